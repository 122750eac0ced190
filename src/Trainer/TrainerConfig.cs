using System.Text.Json;
using Solver.Layers;
using System.Text.Json.Serialization;

namespace Solver.Trainer;

/// <summary>A config error a user can fix: the message names the field or the problem. Tools print it and exit 2.</summary>
public sealed class ConfigException(string message) : Exception(message);

/// <summary>The training config (docs/config.md). Unknown fields are an error.</summary>
public sealed class TrainerConfig
{
    public string Name { get; set; } = "model";
    public DataConfig Data { get; set; } = new();
    public ModelSpec Model { get; set; } = new();
    public string Loss { get; set; } = "softmax_cross_entropy";
    public OptimizerConfig Optimizer { get; set; } = new();
    public int BatchSize { get; set; } = 64;
    public int Epochs { get; set; } = 10;
    public int Seed { get; set; } = 1;
    /// <summary>
    /// none; balanced: each class's loss weighted by N / (classes * n_c) over the training split; sqrt: the milder
    /// 1 / sqrt(n_c), scaled so that the average weight over the training images is 1.
    /// </summary>
    public string ClassWeights { get; set; } = "none";
    /// <summary>The share of each training target spread evenly over the classes, as PyTorch's label_smoothing.</summary>
    public float LabelSmoothing { get; set; }
    /// <summary>Stop when validation accuracy has not improved for this many epochs, and keep the best epoch's weights.</summary>
    public EarlyStoppingConfig? EarlyStopping { get; set; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static TrainerConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ConfigException($"config file not found: {path}");
        string text = File.ReadAllText(path);
        var config = Parse(text, path);
        config.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return config;
    }

    public static TrainerConfig Parse(string json, string source = "config")
    {
        TrainerConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<TrainerConfig>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            // System.Text.Json names the JSON path of the offending member, e.g. "$.model.layers[2].kernal".
            var where = e.Path is { Length: > 0 } ? $" at {e.Path}" : "";
            var line = e.LineNumber is { } l ? $" (line {l + 1})" : "";
            var what = e.Message.Contains("could not be mapped") ? "unknown field" : "invalid JSON";
            throw new ConfigException($"{source}: {what}{where}{line}: {FirstSentence(e.Message)}");
        }
        if (config is null) throw new ConfigException($"{source}: the config is empty");
        config.Validate(source);
        return config;
    }

    private static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..dot] : message;
    }

    /// <summary>Where relative data paths are looked up when they do not exist relative to the working directory.</summary>
    [JsonIgnore]
    public string BaseDirectory { get; set; } = Directory.GetCurrentDirectory();

    public void Validate(string source = "config")
    {
        void Require(bool ok, string message)
        {
            if (!ok) throw new ConfigException($"{source}: {message}");
        }
        Require(BatchSize is >= 1 and <= 65536, $"batch_size must be between 1 and 65536, got {BatchSize}");
        Require(Epochs is >= 0 and <= 100000, $"epochs must be between 0 and 100000, got {Epochs}");
        Require(Loss == "softmax_cross_entropy", $"loss '{Loss}' is not supported; use softmax_cross_entropy");
        Require(ClassWeights is "none" or "balanced" or "sqrt", $"class_weights '{ClassWeights}' is not supported; use none, balanced or sqrt");
        Require(LabelSmoothing is >= 0f and < 1f, $"label_smoothing must be at least 0 and below 1, got {LabelSmoothing}");
        Require(EarlyStopping is null || EarlyStopping.Patience >= 1, "early_stopping.patience must be >= 1");
        Require(EarlyStopping is null || !Data.Split.TrainOnVal, "early_stopping needs the validation images, which data.split.train_on_val trains on: remove one of the two");
        Require(EarlyStopping is null || Data.Split.Val > 0, "early_stopping needs validation images, and data.split.val is 0");
        Data.Validate(Require);
        Optimizer.Validate(Require);
        Model.Validate(Require, Data.Classes.Count);
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

public sealed class EarlyStoppingConfig
{
    public int Patience { get; set; } = 3;
}

public sealed class DataConfig
{
    /// <summary>Folders or zips in the Kaggle layout &lt;class&gt;/&lt;file&gt;, or folders of such zips; merged per class.</summary>
    public List<string> Paths { get; set; } = [];
    public List<string> Classes { get; set; } = [];
    /// <summary>At most this many images per class (chosen at random with the split seed); 0 means no cap.</summary>
    public int MaxPerClass { get; set; }
    /// <summary>At most this many training images per class, dropped after the split so that validation and test stay as they are; 0 means no cap.</summary>
    public int MaxTrainPerClass { get; set; }
    public SplitConfig Split { get; set; } = new();
    /// <summary>Training-time augmentation; absent means none.</summary>
    public AugmentConfig? Augment { get; set; }
    /// <summary>InkML zip or folder holding the images' pen strokes (CROHME iso&lt;N&gt;.inkml), for augment.ink.</summary>
    public string? Ink { get; set; }

    public void Validate(Action<bool, string> require)
    {
        Augment?.Validate(require);
        require(Augment is not { Ink: > 0 } || Ink is not null, "data.augment.ink redraws images from their pen strokes: set data.ink to the InkML zip or folder");
        require(Classes.Count >= 2, "data.classes must list at least two classes");
        require(Classes.Distinct().Count() == Classes.Count, "data.classes lists a class twice");
        require(MaxPerClass >= 0, $"data.max_per_class must be >= 0, got {MaxPerClass}");
        require(MaxTrainPerClass >= 0, $"data.max_train_per_class must be >= 0, got {MaxTrainPerClass}");
        Split.Validate(require);
    }
}

public sealed class SplitConfig
{
    public double Train { get; set; } = 0.7;
    public double Val { get; set; } = 0.1;
    public double Test { get; set; } = 0.2;
    public int Seed { get; set; } = 42;
    /// <summary>
    /// A final fit: the validation images join the training set after the split, so that train, validation and test
    /// are drawn exactly as without it and the test images stay the same. Needs no early stopping.
    /// </summary>
    public bool TrainOnVal { get; set; }

    public void Validate(Action<bool, string> require)
    {
        require(Train > 0 && Val >= 0 && Test >= 0, "data.split fractions must be >= 0, and train > 0");
        require(Math.Abs(Train + Val + Test - 1) < 1e-6, $"data.split fractions must add up to 1, got {Train + Val + Test}");
    }
}

public sealed class OptimizerConfig
{
    public string Type { get; set; } = "sgd";
    public float Lr { get; set; } = 0.01f;
    public float Momentum { get; set; }
    public float WeightDecay { get; set; }
    public bool Nesterov { get; set; }
    /// <summary>adam, adamw: the moment decay rates and the denominator's epsilon.</summary>
    public float[] Betas { get; set; } = [0.9f, 0.999f];
    public float Eps { get; set; } = 1e-8f;
    public ScheduleConfig? Schedule { get; set; }

    public Optimizer Create(IReadOnlyList<Parameter> parameters) => Type switch
    {
        "adam" or "adamw" => new Adam(parameters, Lr, Betas[0], Betas[1], Eps, WeightDecay, decoupled: Type == "adamw"),
        _ => new Sgd(parameters, Lr, Momentum, WeightDecay, Nesterov),
    };

    /// <summary>The learning rate of a 0-based epoch out of <paramref name="epochs"/>.</summary>
    public float LearningRate(int epoch, int epochs) => Schedule?.Factor(epoch, epochs) * Lr ?? Lr;

    public void Validate(Action<bool, string> require)
    {
        require(Type is "sgd" or "adam" or "adamw", $"optimizer.type '{Type}' is not supported; use sgd, adam or adamw");
        require(float.IsFinite(Lr) && Lr > 0 && Lr < 100, $"optimizer.lr must be in (0, 100), got {Lr}");
        require(Momentum is >= 0 and < 1, $"optimizer.momentum must be in [0, 1), got {Momentum}");
        require(WeightDecay is >= 0 and < 1, $"optimizer.weight_decay must be in [0, 1), got {WeightDecay}");
        require(!Nesterov || Momentum > 0, "optimizer.nesterov needs momentum > 0");
        require(Type == "sgd" || (Momentum == 0 && !Nesterov), "optimizer.momentum and nesterov belong to sgd; adam uses betas");
        require(Betas is { Length: 2 } && Betas.All(b => b is >= 0 and < 1), "optimizer.betas must be two numbers in [0, 1)");
        require(Eps is > 0 and < 1, $"optimizer.eps must be in (0, 1), got {Eps}");
        Schedule?.Validate(require);
    }
}

/// <summary>Learning-rate schedule, per epoch: linear warm-up, then constant, step decay or cosine decay.</summary>
public sealed class ScheduleConfig
{
    /// <summary>constant, step or cosine.</summary>
    public string Type { get; set; } = "constant";
    public int WarmupEpochs { get; set; }
    /// <summary>step: multiply by gamma every step_size epochs.</summary>
    public int StepSize { get; set; } = 10;
    public float Gamma { get; set; } = 0.1f;
    /// <summary>cosine: the final learning rate as a fraction of lr.</summary>
    public float MinFactor { get; set; }

    public float Factor(int epoch, int epochs)
    {
        if (epoch < WarmupEpochs) return (epoch + 1f) / (WarmupEpochs + 1f);
        int e = epoch - WarmupEpochs, span = Math.Max(1, epochs - WarmupEpochs);
        return Type switch
        {
            "step" => MathF.Pow(Gamma, e / StepSize),
            "cosine" => MinFactor + (1 - MinFactor) * 0.5f * (1 + MathF.Cos(MathF.PI * e / span)),
            _ => 1f,
        };
    }

    public void Validate(Action<bool, string> require)
    {
        require(Type is "constant" or "step" or "cosine", $"optimizer.schedule.type '{Type}' is not supported; use constant, step or cosine");
        require(WarmupEpochs >= 0 && StepSize >= 1 && Gamma is > 0 and <= 1 && MinFactor is >= 0 and <= 1,
            "optimizer.schedule: warmup_epochs >= 0, step_size >= 1, gamma in (0, 1], min_factor in [0, 1]");
    }
}
