using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Solver.Kernels;
using Solver.Layers;

namespace Solver.Trainer;

/// <summary>The loss became NaN or infinite; the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>What a training run produced.</summary>
public sealed record TrainingResult(bool Interrupted, IReadOnlyList<EpochMetrics> History, ClassificationReport? TestReport, string OutputDirectory);

/// <summary>
/// One training run: builds the model and every buffer once, then runs epochs of shuffled minibatches
/// (forward, fused softmax + cross-entropy, backward, SGD), validates, checkpoints after every epoch, and at
/// the end writes the test report and the exported weights. The shuffle of epoch e depends only on the seed
/// and e, and every kernel is deterministic, so a resumed run ends with the same weights as an uninterrupted one.
/// </summary>
public sealed class TrainingSession(TrainerConfig config, Dataset data, DataSplit split, ComputeDevice device, string outDir, Action<string> log)
{
    /// <summary>Called after every batch with (epoch, batch, batches, running loss, running accuracy, images/s).</summary>
    public Action<int, int, int, double, double, double>? OnBatch { get; set; }

    /// <summary>For tests and diagnostics: called after every optimizer step with (epoch, batch, network).</summary>
    public Action<int, int, Sequential>? AfterStep { get; set; }

    /// <summary>For tests: stop (as if killed) after this many batches in total, without saving.</summary>
    public int? CrashAfterBatches { get; set; }

    /// <summary>
    /// Everything that shapes the weights, except the number of epochs, which a resume may extend, and the early
    /// stopping's patience, which a resume may lengthen to run a schedule to its end (the trajectory is the same).
    /// </summary>
    public static string ConfigHash(TrainerConfig config) => Hash(config, anyPatience: true);

    /// <summary>The hash of checkpoints written before the patience could change (only the epochs left out), so that
    /// they still resume with the config they were made with.</summary>
    private static string EarlierConfigHash(TrainerConfig config) => Hash(config, anyPatience: false);

    private static string Hash(TrainerConfig config, bool anyPatience)
    {
        var copy = TrainerConfig.Parse(config.ToJson());
        copy.Epochs = 0;
        if (anyPatience && copy.EarlyStopping is not null) copy.EarlyStopping.Patience = 1;
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(copy.ToJson())))[..16];
    }

    /// <summary>N / (classes * n_c) from the training split: rare classes weigh more, so every class counts alike.</summary>
    public static float[] BalancedWeights(Dataset data, int[] train, int classes)
    {
        var counts = data.CountPerClass(train);
        return counts.Select(n => n == 0 ? 0f : (float)train.Length / (classes * n)).ToArray();
    }

    /// <summary>1 / sqrt(n_c), scaled so that the training images' average weight is 1.</summary>
    public static float[] SqrtWeights(Dataset data, int[] train)
    {
        var counts = data.CountPerClass(train);
        double mean = counts.Sum(n => n == 0 ? 0 : n / Math.Sqrt(n)) / train.Length;
        return counts.Select(n => n == 0 ? 0f : (float)(1 / Math.Sqrt(n) / mean)).ToArray();
    }

    private float[]? ClassWeights(int[] train, int classes) => config.ClassWeights switch
    {
        "balanced" => BalancedWeights(data, train, classes),
        "sqrt" => SqrtWeights(data, train),
        _ => null,
    };

    public TrainingResult Run(bool resume, CancellationToken cancel)
    {
        Directory.CreateDirectory(outDir);
        int classes = data.Classes.Count, batch = config.BatchSize;
        using var net = config.Model.Build(classes);
        net.ComputeInputGradient = false;
        net.Build(device, batch, [.. config.Model.Input]);
        Init.Apply(net, Init.Parse(config.Model.Init), config.Seed);
        if (config.Model.InitFrom is { } from)
        {
            var path = DataSource.Resolve(from, config.BaseDirectory);
            var start = ModelWeights.Load(path);
            if (!start.Classes.SequenceEqual(data.Classes)) throw new ConfigException($"model.init_from {from}: its classes differ from data.classes");
            net.LoadStateDict(start.Tensors);
            log($"init: weights from {path}");
        }
        var weights = ClassWeights(split.Train, classes);
        using var loss = new SoftmaxCrossEntropyLoss(device, batch, classes, weights, config.LabelSmoothing);
        // Validation and test losses are plain averages against one-hot targets, whatever the training loss weighs.
        using var plainLoss = weights is not null || config.LabelSmoothing > 0 ? new SoftmaxCrossEntropyLoss(device, batch, classes) : null;
        var evalLoss = plainLoss ?? loss;
        using var optimizer = config.Optimizer.Create(net.Parameters);
        using var input = Tensor.Zeros(device, [batch, .. config.Model.Input]);
        log($"model: {net.Describe()}, {net.ParameterCount} parameters");

        var checkpointPath = Path.Combine(outDir, Checkpoint.FileName);
        var state = new Checkpoint { ConfigHash = ConfigHash(config) };
        Dictionary<string, NamedTensor>? best = null; // the best epoch's weights, with early stopping
        if (resume)
        {
            if (!File.Exists(checkpointPath)) throw new ConfigException($"--resume: no checkpoint at {checkpointPath}");
            var loaded = Checkpoint.Load(checkpointPath, net, optimizer, out best);
            if (loaded.ConfigHash != state.ConfigHash && loaded.ConfigHash != EarlierConfigHash(config))
                throw new ConfigException($"--resume: {checkpointPath} was made with a different config (only epochs and early_stopping.patience may change)");
            state = loaded;
            log($"resume: epoch {state.Epoch + 1}, batch {state.Batch}");
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "config.json"), config.ToJson());

        using var loader = new BatchLoader(data, config.Data.Augment, batch, config.Seed);
        int batches = (split.Train.Length + batch - 1) / batch;
        int totalBatches = 0;
        for (int epoch = state.Epoch; epoch < config.Epochs; epoch++)
        {
            var order = Shuffle(split.Train, config.Seed, epoch);
            optimizer.LearningRate = config.Optimizer.LearningRate(epoch, config.Epochs);
            var clock = Stopwatch.StartNew();
            for (int b = state.Batch; b < batches; b++)
            {
                if (cancel.IsCancellationRequested)
                {
                    state.Epoch = epoch; state.Batch = b; state.RunningSeconds += clock.Elapsed.TotalSeconds;
                    Checkpoint.Save(checkpointPath, state, net, optimizer, best);
                    log($"interrupted at epoch {epoch + 1}, batch {b}: checkpoint saved to {checkpointPath}; continue with --resume");
                    return new TrainingResult(true, state.History, null, outDir);
                }
                if (CrashAfterBatches is { } crash && totalBatches >= crash) return new TrainingResult(true, state.History, null, outDir);
                var (x, labels, n) = loader.Get(order, epoch, b);
                input.CopyFrom(x.AsSpan(0, n * SymbolImage.Pixels));
                net.Train(true);
                net.SetStep((uint)config.Seed, (uint)(epoch * batches + b));
                loss.SetLabels(labels.AsSpan(0, n));
                loss.Compute(net.Forward(input, n), n);
                net.Backward(loss.LogitsGrad, n);
                optimizer.Step();
                AfterStep?.Invoke(epoch, b, net);
                var (l, c) = loss.ReadStats();
                if (!float.IsFinite(l))
                    throw new TrainingDivergedException($"the loss became {l} at epoch {epoch + 1}, batch {b + 1}; lower the learning rate. " +
                        (File.Exists(checkpointPath) ? $"The last good checkpoint is kept at {checkpointPath}." : "No checkpoint was written yet."));
                state.RunningLoss += (double)l * n;
                state.RunningCorrect += c;
                state.RunningSeen += n;
                totalBatches++;
                double seconds = state.RunningSeconds + clock.Elapsed.TotalSeconds;
                OnBatch?.Invoke(epoch, b + 1, batches, state.RunningLoss / state.RunningSeen, (double)state.RunningCorrect / state.RunningSeen, state.RunningSeen / Math.Max(seconds, 1e-9));
            }
            loader.Finish();
            double trainSeconds = state.RunningSeconds + clock.Elapsed.TotalSeconds;
            var val = Evaluation.Run(net, evalLoss, input, data, split.Val);
            var row = new EpochMetrics
            {
                Epoch = epoch + 1,
                TrainLoss = state.RunningLoss / Math.Max(1, state.RunningSeen),
                TrainAccuracy = (double)state.RunningCorrect / Math.Max(1, state.RunningSeen),
                ValLoss = val.Loss, ValAccuracy = val.Accuracy,
                Seconds = trainSeconds,
                ImagesPerSecond = state.RunningSeen / Math.Max(trainSeconds, 1e-9),
            };
            state.History.Add(row);
            state.Epoch = epoch + 1; state.Batch = 0;
            state.RunningLoss = 0; state.RunningCorrect = 0; state.RunningSeen = 0; state.RunningSeconds = 0;
            bool stop = false;
            if (config.EarlyStopping is { } early)
            {
                if (row.ValAccuracy > state.BestValAccuracy)
                {
                    state.BestValAccuracy = row.ValAccuracy;
                    state.BestEpoch = row.Epoch;
                    best = net.StateDict();
                }
                stop = row.Epoch - state.BestEpoch >= early.Patience;
            }
            MetricsFile.Write(Path.Combine(outDir, "metrics.csv"), state.History);
            Checkpoint.Save(checkpointPath, state, net, optimizer, best);
            string valText = split.Val.Length == 0 ? "no validation images" : FormattableString.Invariant($"val loss {row.ValLoss:F4} acc {row.ValAccuracy * 100:F2}%");
            log(FormattableString.Invariant($"epoch {row.Epoch}/{config.Epochs}: train loss {row.TrainLoss:F4} acc {row.TrainAccuracy * 100:F2}% | {valText} | {row.Seconds:F1} s, {row.ImagesPerSecond:F0} img/s"));
            if (stop)
            {
                log(FormattableString.Invariant($"early stopping: no better validation accuracy for {config.EarlyStopping!.Patience} epochs"));
                break;
            }
        }
        if (best is not null)
        {
            net.LoadStateDict(best);
            log(FormattableString.Invariant($"weights of the best epoch, {state.BestEpoch} (val acc {state.BestValAccuracy * 100:F2}%)"));
        }

        var test = Evaluation.Run(net, evalLoss, input, data, split.Test);
        var report = ClassificationReport.Compute(data.Classes, test.Truth, test.Predicted);
        report.WriteFiles(outDir, $"{config.Name}: test report");
        ModelWeights.Save(Path.Combine(outDir, "model.safetensors"), net, data.Classes, config.Model, new Dictionary<string, string>
        {
            ["config"] = config.ToJson(),
            ["test_accuracy"] = report.Accuracy.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            ["epochs"] = state.History.Count.ToString(),
        });
        log(FormattableString.Invariant($"test accuracy {report.Accuracy * 100:F2}% on {report.Total} images; macro F1 {report.MacroAverage.F1:F4}"));
        WritePictures(outDir, config, net, data, split, state.History, report, log);
        return new TrainingResult(false, state.History, report, outDir);
    }

    /// <summary>
    /// Curves, confusion heatmap, filters, activations and the HTML report that embeds them. They come after the
    /// weights and reports are safely written, so a failure here (a missing native plotting library) costs a warning.
    /// </summary>
    private static void WritePictures(string outDir, TrainerConfig config, Sequential net, Dataset data, DataSplit split,
        IReadOnlyList<EpochMetrics> history, ClassificationReport report, Action<string> log)
    {
        try
        {
            Reports.TrainingCharts.WriteCurves(outDir, history);
            Reports.TrainingCharts.WriteConfusion(outDir, report);
            Reports.LayerPictures.WriteFilters(outDir, net);
            var sampleIndex = split.Test.Length > 0 ? split.Test[0] : split.Train[0];
            var sample = new float[SymbolImage.Pixels];
            data.FillBatch([sampleIndex], sample, new int[1]);
            Reports.LayerPictures.WriteActivations(outDir, net, sample);
            Reports.HtmlReport.Write(outDir, $"{config.Name}: training report", history, report, net.Describe());
            log($"report: {Path.Combine(outDir, Reports.HtmlReport.FileName)}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log($"warning: pictures and report.html skipped ({e.GetType().Name}: {e.Message})");
        }
    }

    /// <summary>The training order of one epoch: a Fisher-Yates shuffle seeded by (seed, epoch) alone.</summary>
    public static int[] Shuffle(int[] indices, int seed, int epoch)
    {
        var order = (int[])indices.Clone();
        // Not HashCode.Combine: it is randomised per process, and a resumed run must shuffle as the first did.
        new Random(unchecked(seed * 1_000_003 + epoch * 7_919 + 0x5eed)).Shuffle(order);
        return order;
    }
}
