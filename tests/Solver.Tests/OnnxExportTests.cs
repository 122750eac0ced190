using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Solver.Kernels;
using Solver.Layers;
using Solver.Layers.Onnx;
using Solver.Trainer;

namespace Solver.Tests;

/// <summary>The exported ONNX graph, run by ONNX Runtime, gives our network's logits on the same batch.</summary>
public sealed class OnnxExportTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("solver-onnx-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData("model3.json")]
    [InlineData("model4.json")]
    [InlineData("recognizer-dropout.json")] // dropout is left out of the graph
    public void Reference_architectures_match_onnx_runtime(string configName)
    {
        var config = TrainerConfig.Load(Path.Combine(ExamplesTests.RepoRoot(), "configs", configName));
        using var device = ComputeDevice.Create(AcceleratorChoice.Cpu);
        using var net = config.Model.Build(config.Data.Classes.Count);
        net.ComputeInputGradient = false;
        net.Build(device, 8, [.. config.Model.Input]);
        Init.Apply(net, Init.Parse(config.Model.Init), 3);
        RandomizeBiases(net, 4); // init leaves biases at 0, which would hide a bias wired to the wrong input
        net.Train(false);
        AssertMatches(net, "m");
    }

    [Fact]
    public void Batch_norm_exports_with_its_running_statistics()
    {
        using var device = ComputeDevice.Create(AcceleratorChoice.Cpu);
        using var net = new Sequential(new Conv2d(1, 4, 3), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 9 * 9, 6));
        net.Build(device, 8, [1, 20, 20]);
        Init.Apply(net, InitKind.HeNormal, 5);
        RandomizeBiases(net, 6);
        var rng = new Random(7);
        for (int step = 0; step < 3; step++) // training batches move the running statistics away from 0 and 1
        {
            using var x = Solver.Layers.Tensor.FromArray(device, Enumerable.Range(0, 8 * 400).Select(_ => (float)rng.NextDouble() * 2).ToArray(), 8, 1, 20, 20);
            net.Forward(x, 8);
        }
        net.Train(false);
        AssertMatches(net, "bn");
    }

    [Fact]
    public void Shipped_recognizer_matches_onnx_runtime_through_the_cli()
    {
        var weights = Path.Combine(ExamplesTests.RepoRoot(), "models", "recognizer.safetensors");
        var onnx = Path.Combine(dir, "recognizer.onnx");
        var o = new StringWriter(); var e = new StringWriter();
        Assert.Equal(0, TrainerCli.Run(["export", "--weights", weights, "--format", "onnx", "--out", onnx], o, e));
        Assert.Contains("wrote", o.ToString());

        using var device = ComputeDevice.Create(AcceleratorChoice.Cpu);
        using var net = ModelWeights.Load(weights).CreateNetwork(device, 8);
        using var session = new InferenceSession(onnx);
        Assert.Contains("\"x\"", session.ModelMetadata.CustomMetadataMap["classes"]);
        AssertMatches(net, null, session);
    }

    [Fact]
    public void Export_refuses_ambiguous_or_unknown_requests()
    {
        var e = new StringWriter();
        Assert.Equal(2, TrainerCli.Run(["export", "--format", "onnx"], new StringWriter(), e));
        Assert.Contains("exactly one of --run or --weights", e.ToString());
        e = new StringWriter();
        Assert.Equal(2, TrainerCli.Run(["export", "--weights", "x.safetensors", "--format", "tflite"], new StringWriter(), e));
        Assert.Contains("--format must be safetensors or onnx", e.ToString());
    }

    private void AssertMatches(Sequential net, string? name, InferenceSession? session = null)
    {
        const int batch = 5;
        int[] shape = net.InputShape;
        int per = shape[0] * shape[1] * shape[2];
        var rng = new Random(11);
        // Sparse ink-like input: mostly zero, some strokes at 1, as the recognizer sees.
        var x = new float[batch * per];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() < 0.1 ? (float)rng.NextDouble() : 0f;

        using var input = Solver.Layers.Tensor.FromArray(net.Device, x, batch, shape[0], shape[1], shape[2]);
        var ours = net.Forward(input, batch).ToArray().AsSpan(0, batch * net.OutputShape[0]).ToArray();

        InferenceSession? owned = null;
        if (session is null)
        {
            var path = Path.Combine(dir, $"{name}.onnx");
            OnnxExport.Save(path, net, name!);
            session = owned = new InferenceSession(path);
        }
        try
        {
            var tensor = new DenseTensor<float>(x, [batch, shape[0], shape[1], shape[2]]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", tensor)]);
            var theirs = results.Single(r => r.Name == "logits").AsEnumerable<float>().ToArray();
            Assert.Equal(ours.Length, theirs.Length);
            double worst = 0;
            for (int i = 0; i < ours.Length; i++) worst = Math.Max(worst, Math.Abs(ours[i] - theirs[i]));
            Assert.True(worst <= 1e-4, $"largest difference {worst:g3} between our logits and ONNX Runtime's");
            Assert.True(ours.Any(v => Math.Abs(v) > 1e-3), "logits are not all zero");
        }
        finally
        {
            owned?.Dispose();
        }
    }

    private static void RandomizeBiases(Sequential net, int seed)
    {
        var rng = new Random(seed);
        foreach (var p in net.Parameters.Where(p => p.IsBias))
            p.Value.CopyFrom(Enumerable.Range(0, (int)p.Value.Length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray());
    }
}
