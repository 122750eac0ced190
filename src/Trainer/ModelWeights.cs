using System.Text.Json;
using Solver.Kernels;
using Solver.Layers;

namespace Solver.Trainer;

/// <summary>
/// Exported weights: a safetensors file whose metadata carries everything needed to use it: the class labels,
/// the input preprocessing and the model spec (docs/formats.md).
/// </summary>
public sealed class ModelWeights
{
    public const string FormatTag = "solver-weights/1";

    public required IReadOnlyList<string> Classes { get; init; }
    public required ModelSpec Model { get; init; }
    public required IReadOnlyDictionary<string, NamedTensor> Tensors { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    public static void Save(string path, Sequential net, IReadOnlyList<string> classes, ModelSpec model, IDictionary<string, string>? extra = null)
    {
        var meta = new Dictionary<string, string>
        {
            ["format"] = FormatTag,
            ["classes"] = JsonSerializer.Serialize(classes),
            ["model"] = JsonSerializer.Serialize(model, TrainerConfig.JsonOptions),
            ["preprocessing"] = SymbolImage.PreprocessingDescription,
            ["input"] = JsonSerializer.Serialize(new { shape = model.Input, polarity = "ink-bright", range = new[] { 0, 1 } }),
        };
        if (extra is not null) foreach (var (k, v) in extra) meta[k] = v;
        SafeTensors.Write(path, net.StateDict().Values, meta);
    }

    public static ModelWeights Load(string path)
    {
        var file = SafeTensors.Read(path);
        if (!file.Metadata.TryGetValue("format", out var format) || format != FormatTag)
            throw new InvalidDataException($"{path}: not a Solver weights file (no '{FormatTag}' format tag in its metadata)");
        try
        {
            var classes = JsonSerializer.Deserialize<List<string>>(file.Metadata["classes"]) ?? throw new InvalidDataException("no classes");
            var model = JsonSerializer.Deserialize<ModelSpec>(file.Metadata["model"], TrainerConfig.JsonOptions) ?? throw new InvalidDataException("no model");
            model.Validate((ok, msg) => { if (!ok) throw new InvalidDataException(msg); }, classes.Count);
            return new ModelWeights { Classes = classes, Model = model, Tensors = file.Tensors, Metadata = file.Metadata };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or ConfigException)
        {
            throw new InvalidDataException($"{path}: the metadata is damaged ({e.Message})");
        }
    }

    /// <summary>Builds the network on a device for a batch capacity and loads the weights into it.</summary>
    public Sequential CreateNetwork(ComputeDevice device, int batchCapacity)
    {
        var net = Model.Build(Classes.Count);
        net.ComputeInputGradient = false;
        net.Build(device, batchCapacity, [.. Model.Input]);
        net.Train(false);
        try
        {
            net.LoadStateDict(Tensors);
        }
        catch
        {
            net.Dispose();
            throw;
        }
        return net;
    }
}
