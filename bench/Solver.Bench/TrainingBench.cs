using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Solver.Kernels;
using Solver.Layers;
using Solver.Trainer;

namespace Solver.Bench;

public sealed record TrainingRow(string Model, int Batch, double Images, double? TorchImages, long DeviceBytes, long StepAllocations, double? TorchPeakMib, long LaunchesPerStep);

/// <summary>
/// Full training steps (forward, softmax cross-entropy, backward, SGD) of a config's model on synthetic symbol-like
/// batches, against PyTorch running the identical model, batch and thread count (scripts/torch_bench.py), alternating
/// round by round. Medians of the rounds.
/// </summary>
public static class TrainingBench
{
    /// <summary>cpu or cuda: where the PyTorch peer runs.</summary>
    public static string TorchDevice { get; set; } = "cpu";

    public static TrainingRow Run(ComputeDevice d, string configPath, int rounds, int steps, string? python, TextWriter log)
    {
        var config = TrainerConfig.Load(configPath);
        int batch = config.BatchSize;
        long before = d.AllocatedBytes;
        using var step = new StepRunner(d, config);
        long deviceBytes = d.AllocatedBytes - before;
        void Step() => step.Run();

        for (int i = 0; i < 3; i++) Step(); // compile and warm up
        long launchesBefore = d.Launches;
        Step();
        long launchesPerStep = d.Launches - launchesBefore;
        long allocationsBefore = d.Allocations;
        var ours = new List<double>();
        var torch = new List<double>();
        double? torchPeak = null;
        for (int round = 0; round < rounds; round++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) Step();
            ours.Add(batch * steps / sw.Elapsed.TotalSeconds);
            if (python is not null && Torch(python, configPath, steps, log) is { } t)
            {
                torch.Add(t.Images);
                torchPeak = Math.Max(torchPeak ?? 0, t.PeakMib);
            }
        }
        long stepAllocations = d.Allocations - allocationsBefore;
        return new TrainingRow(config.Name, batch, Measure.Median(ours), torch.Count > 0 ? Measure.Median(torch) : null, deviceBytes, stepAllocations, torchPeak, launchesPerStep);
    }

    /// <summary>One training step of a config's model on a synthetic batch (10% ink), everything planned up front.</summary>
    public sealed class StepRunner : IDisposable
    {
        private readonly Sequential net;
        private readonly SoftmaxCrossEntropyLoss loss;
        private readonly Optimizer optimizer;
        private readonly Tensor input;
        private readonly float[] x;
        private readonly int[] labels;
        private readonly int batch;

        /// <param name="throughPools">Whether convolutions may take their gradients through their pools (as in use).</param>
        /// <param name="foldPools">Whether 2x2 pools may be folded into the convolutions before them (as in use).</param>
        /// <param name="sparseInput">Whether a first convolution may scatter from the input's non-zero pixels (as in use).</param>
        public StepRunner(ComputeDevice d, TrainerConfig config, bool throughPools = true, bool foldPools = true, bool sparseInput = true)
        {
            int classes = config.Data.Classes.Count;
            batch = config.BatchSize;
            net = config.Model.Build(classes);
            net.ComputeInputGradient = false;
            net.WeightGradientsThroughPools = throughPools;
            net.InputGradientsThroughPools = throughPools;
            net.PoolsFoldedIntoConvolutions = throughPools && foldPools;
            net.SparseInput = sparseInput;
            net.Build(d, batch, [.. config.Model.Input]);
            Init.Apply(net, Init.Parse(config.Model.Init), 1);
            loss = new SoftmaxCrossEntropyLoss(d, batch, classes);
            optimizer = config.Optimizer.Create(net.Parameters);
            input = Tensor.Zeros(d, [batch, .. config.Model.Input]);
            var rng = new Random(1);
            x = new float[input.Length];
            for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() < 0.1 ? rng.NextSingle() : 0f;
            labels = Enumerable.Range(0, batch).Select(_ => rng.Next(classes)).ToArray();
        }

        /// <param name="profiler">When given, every launch is charged to its layer, or to the step's input, loss or optimizer.</param>
        public void Run(LaunchProfiler? profiler = null)
        {
            net.LayerStarting = profiler is null ? null
                : (layer, forward) => profiler.Section = $"{layer.Name} {layer.Describe()}, {(forward ? "forward" : "backward")}";
            Section(profiler, "input");
            input.CopyFrom(x);
            loss.SetLabels(labels);
            var logits = net.Forward(input, batch);
            Section(profiler, "loss");
            loss.Compute(logits, batch);
            net.Backward(loss.LogitsGrad, batch);
            Section(profiler, "optimizer");
            optimizer.Step();
            loss.ReadStats(); // the one scalar read per step, as the trainer makes
        }

        private static void Section(LaunchProfiler? profiler, string name)
        {
            if (profiler is not null) profiler.Section = name;
        }

        public void Dispose()
        {
            input.Dispose();
            optimizer.Dispose();
            loss.Dispose();
            net.Dispose();
        }
    }

    private static (double Images, double PeakMib)? Torch(string python, string configPath, int steps, TextWriter log)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "scripts", "torch_bench.py");
        if (!File.Exists(script)) script = Path.GetFullPath(Path.Combine("scripts", "torch_bench.py"));
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        // The same device kind as ours: PyTorch on CUDA when we run on a GPU, on the CPU with our thread count otherwise.
        string device = TorchDevice;
        foreach (var a in new[] { script, "--config", configPath, "--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), "--steps", steps.ToString(CultureInfo.InvariantCulture), "--device", device })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd(), error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            log.WriteLine($"PyTorch peer failed ({python}): {error.Trim().Split('\n').LastOrDefault()}");
            return null;
        }
        using var json = JsonDocument.Parse(output.Trim().Split('\n').Last());
        return (json.RootElement.GetProperty("images_per_second").GetDouble(), json.RootElement.GetProperty("peak_rss_mib").GetDouble());
    }
}
