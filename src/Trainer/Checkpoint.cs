using System.Text.Json;
using Solver.Layers;

namespace Solver.Trainer;

/// <summary>
/// Everything needed to continue a run exactly: weights, the optimizer's state, the position (epoch and batch), the
/// partial epoch's running sums and the metrics so far. One safetensors file, written atomically.
/// </summary>
public sealed class Checkpoint
{
    public const string FileName = "checkpoint.safetensors";

    /// <summary>The config's JSON settings, plus NaN: the validation metrics of a run with no validation images.</summary>
    private static readonly JsonSerializerOptions StateJson = new(TrainerConfig.JsonOptions)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The epoch in progress (0-based) and the next batch in it.</summary>
    public int Epoch { get; set; }
    public int Batch { get; set; }
    public double RunningLoss { get; set; }
    public long RunningCorrect { get; set; }
    public long RunningSeen { get; set; }
    public double RunningSeconds { get; set; }
    public List<EpochMetrics> History { get; set; } = [];
    public string ConfigHash { get; set; } = "";
    /// <summary>The optimizer's step count (Adam's bias correction needs it to resume exactly).</summary>
    public long OptimizerSteps { get; set; }

    /// <summary>With early stopping: the best epoch so far, its validation accuracy (the best weights are saved beside).</summary>
    public int BestEpoch { get; set; }
    public double BestValAccuracy { get; set; } = -1;

    public static void Save(string path, Checkpoint state, Sequential net, Optimizer optimizer, IReadOnlyDictionary<string, NamedTensor>? best = null)
    {
        var tensors = net.StateDict().Values.Select(t => t with { Name = "model." + t.Name })
            .Concat((best?.Values ?? []).Select(t => t with { Name = "best." + t.Name }))
            .Concat(optimizer.State.Select(s => new NamedTensor(s.Name, s.Value.Shape, s.Value.ToArray())));
        state.OptimizerSteps = optimizer.Steps;
        var meta = new Dictionary<string, string> { ["state"] = JsonSerializer.Serialize(state, StateJson) };
        SafeTensors.Write(path, tensors, meta);
    }

    public static Checkpoint Load(string path, Sequential net, Optimizer optimizer) => Load(path, net, optimizer, out _);

    public static Checkpoint Load(string path, Sequential net, Optimizer optimizer, out Dictionary<string, NamedTensor>? best)
    {
        var file = SafeTensors.Read(path);
        if (!file.Metadata.TryGetValue("state", out var json)) throw new InvalidDataException($"{path}: not a Solver checkpoint");
        var state = JsonSerializer.Deserialize<Checkpoint>(json, StateJson) ?? throw new InvalidDataException($"{path}: empty state");
        var model = file.Tensors.Where(kv => kv.Key.StartsWith("model.")).ToDictionary(kv => kv.Key[6..], kv => kv.Value with { Name = kv.Key[6..] });
        net.LoadStateDict(model);
        foreach (var (name, tensor) in optimizer.State)
        {
            if (!file.Tensors.TryGetValue(name, out var v) || v.Data.Length != tensor.Length)
                throw new InvalidDataException($"{path}: optimizer state '{name}' is missing or misshapen (was the run made with another optimizer?)");
            tensor.CopyFrom(v.Data);
        }
        optimizer.Steps = state.OptimizerSteps;
        var saved = file.Tensors.Where(kv => kv.Key.StartsWith("best.")).ToDictionary(kv => kv.Key[5..], kv => kv.Value with { Name = kv.Key[5..] });
        best = saved.Count > 0 ? saved : null;
        return state;
    }
}
