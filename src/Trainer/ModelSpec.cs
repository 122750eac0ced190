using Solver.Layers;

namespace Solver.Trainer;

/// <summary>One layer in a config: its type and the parameters that type takes.</summary>
public sealed class LayerSpec
{
    public string Type { get; set; } = "";
    public int? InChannels { get; set; }
    public int? OutChannels { get; set; }
    public int? Kernel { get; set; }
    public int? Stride { get; set; }
    public int? Padding { get; set; }
    public bool? Bias { get; set; }
    public int? InFeatures { get; set; }
    public int? OutFeatures { get; set; }
    /// <summary>dropout: the probability of zeroing an element while training.</summary>
    public float? P { get; set; }

    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["conv2d"] = ["in_channels", "out_channels", "kernel", "stride", "padding", "bias"],
        ["maxpool2d"] = ["kernel", "stride"],
        ["linear"] = ["in_features", "out_features", "bias"],
        ["relu"] = [],
        ["flatten"] = [],
        ["dropout"] = ["p"],
        ["batchnorm2d"] = [],
    };

    public static IEnumerable<string> Types => Allowed.Keys;

    internal IEnumerable<string> SetFields()
    {
        if (InChannels is not null) yield return "in_channels";
        if (OutChannels is not null) yield return "out_channels";
        if (Kernel is not null) yield return "kernel";
        if (Stride is not null) yield return "stride";
        if (Padding is not null) yield return "padding";
        if (Bias is not null) yield return "bias";
        if (InFeatures is not null) yield return "in_features";
        if (OutFeatures is not null) yield return "out_features";
        if (P is not null) yield return "p";
    }

    internal void Validate(Action<bool, string> require, int index)
    {
        string at = $"model.layers[{index}]";
        require(Allowed.ContainsKey(Type), $"{at}: unknown layer type '{Type}'; expected one of: {string.Join(", ", Types)}");
        foreach (var field in SetFields())
            require(Allowed[Type].Contains(field), $"{at}: a {Type} layer has no field '{field}'");
        foreach (var (name, value) in new[] { ("in_channels", InChannels), ("out_channels", OutChannels), ("kernel", Kernel), ("stride", Stride), ("in_features", InFeatures), ("out_features", OutFeatures) })
            require(value is null or (>= 1 and <= 1 << 16), $"{at}: {name} must be between 1 and 65536, got {value}");
        require(Padding is null or (>= 0 and <= 64), $"{at}: padding must be between 0 and 64, got {Padding}");
        if (Type == "conv2d") require(OutChannels is not null && Kernel is not null, $"{at}: conv2d needs out_channels and kernel");
        if (Type == "maxpool2d") require(Kernel is not null, $"{at}: maxpool2d needs kernel");
        if (Type == "dropout") require(P is >= 0 and < 1, $"{at}: dropout needs p in [0, 1)");
    }
}

/// <summary>The network: input shape, layers and init. Channel and feature counts left out are inferred from the input.</summary>
public sealed class ModelSpec
{
    /// <summary>Per-sample input shape [channels, height, width].</summary>
    public List<int> Input { get; set; } = [1, 45, 45];
    public List<LayerSpec> Layers { get; set; } = [];
    public string Init { get; set; } = "glorot_uniform";
    /// <summary>Exported weights to start from (fine-tuning); relative to the working directory or the config's folder.</summary>
    public string? InitFrom { get; set; }
    /// <summary>
    /// Whether the input is mostly zeros (ink on a blank page), so that a first convolution may skip its zero pixels
    /// (<see cref="Sequential.SparseInput"/>); null means yes. Left out of the JSON when null, so configs and checkpoints
    /// from before it keep their hash.
    /// </summary>
    public bool? SparseInput { get; set; }

    public void Validate(Action<bool, string> require, int classes)
    {
        require(Input.Count == 3 && Input.All(d => d is >= 1 and <= 4096), "model.input must be [channels, height, width], each 1..4096");
        require(Layers.Count > 0, "model.layers is empty");
        for (int i = 0; i < Layers.Count; i++) Layers[i].Validate(require, i);
        try { Solver.Layers.Init.Parse(Init); }
        catch (ArgumentException e) { require(false, "model.init: " + e.Message); }
        // The shapes must chain and the last layer must produce one logit per class.
        try
        {
            var shape = Build(classes).InferOutputShape([.. Input]);
            require(shape.Length == 1 && shape[0] == classes,
                $"the model outputs {ShapeUtil.Format(shape)} per sample, but there are {classes} classes");
        }
        catch (ShapeException e) { require(false, "model: " + e.Message); }
    }

    /// <summary>Builds the layers; the last linear layer's out_features defaults to the class count.</summary>
    public Sequential Build(int classes)
    {
        var layers = new List<Module>();
        int[] shape = [.. Input];
        for (int i = 0; i < Layers.Count; i++)
        {
            var l = Layers[i];
            bool last = i == Layers.Count - 1 || Layers.Skip(i + 1).All(x => x.Type != "linear");
            if (l.Type == "linear" && l.InFeatures is null && shape.Length != 1)
                throw new ShapeException($"layer {i} (linear): expected a flat input [features], got {ShapeUtil.Format(shape)}; add a flatten layer before it");
            if (l.Type is "conv2d" or "batchnorm2d" && shape.Length != 3)
                throw new ShapeException($"layer {i} ({l.Type}): expected input [channels, height, width], got {ShapeUtil.Format(shape)}");
            Module m = l.Type switch
            {
                "conv2d" => new Conv2d(l.InChannels ?? shape[0], l.OutChannels!.Value, l.Kernel!.Value, l.Stride ?? 1, l.Padding ?? 0, l.Bias ?? true),
                "maxpool2d" => new MaxPool2d(l.Kernel!.Value, l.Stride ?? l.Kernel!.Value),
                "linear" => new Linear(l.InFeatures ?? shape[0], l.OutFeatures ?? (last ? classes : throw new ShapeException($"layer {i} (linear): out_features is required except on the last linear layer")), l.Bias ?? true),
                "relu" => new ReLU(),
                "flatten" => new Flatten(),
                "dropout" => new Dropout(l.P!.Value),
                "batchnorm2d" => new BatchNorm2d(shape[0]),
                _ => throw new ShapeException($"layer {i}: unknown layer type '{l.Type}'"),
            };
            m.Name = i.ToString();
            shape = m.InferOutputShape(shape);
            layers.Add(m);
        }
        return new Sequential([.. layers]) { SparseInput = SparseInput ?? true };
    }
}
