using Solver.Kernels;
using Solver.Layers;
using Solver.Trainer;

namespace Solver.Tests;

/// <summary>BatchNorm2d against a plain C# reference of PyTorch's formulas, in training and evaluation mode.</summary>
public class BatchNormTests
{
    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Forward_running_statistics_and_evaluation_match_the_reference(string profile)
    {
        var d = Devices.Get(profile);
        const int n = 3, c = 2, h = 4, w = 5, hw = h * w;
        var rng = new Random(5);
        using var bn = new BatchNorm2d(c, momentum: 0.1f);
        bn.Name = "0";
        bn.Build(d, n, [c, h, w]);
        float[] gamma = [1.5f, -0.5f], beta = [0.25f, 2f];
        bn.Parameters[0].Value.CopyFrom(gamma);
        bn.Parameters[1].Value.CopyFrom(beta);
        double[] runMean = [0, 0], runVar = [1, 1];

        for (int step = 0; step < 2; step++)
        {
            var x = Check.Random(rng, n * c * hw, 3f).Select(v => v + 4f * step).ToArray(); // the mean moves between steps
            using var input = Tensor.FromArray(d, x, n, c, h, w);
            var y = bn.Forward(input, n).ToArray();
            for (int ch = 0; ch < c; ch++)
            {
                var values = Enumerable.Range(0, n).SelectMany(b => Enumerable.Range(0, hw).Select(i => (double)x[(b * c + ch) * hw + i])).ToArray();
                double mean = values.Average(), variance = values.Select(v => (v - mean) * (v - mean)).Average();
                for (int b = 0; b < n; b++)
                for (int i = 0; i < hw; i++)
                {
                    int at = (b * c + ch) * hw + i;
                    double expected = (x[at] - mean) / Math.Sqrt(variance + 1e-5) * gamma[ch] + beta[ch];
                    Assert.True(Math.Abs(y[at] - expected) < 1e-4, $"y[{at}] = {y[at]}, expected {expected}");
                }
                runMean[ch] = 0.9 * runMean[ch] + 0.1 * mean;
                runVar[ch] = 0.9 * runVar[ch] + 0.1 * variance * values.Length / (values.Length - 1); // unbiased, as PyTorch
            }
        }
        var (rm, rv) = (bn.Buffers[0].Value.ToArray(), bn.Buffers[1].Value.ToArray());
        for (int ch = 0; ch < c; ch++)
        {
            Assert.Equal(runMean[ch], rm[ch], 1e-4);
            Assert.Equal(runVar[ch], rv[ch], 1e-3);
        }

        // Evaluation: the running statistics normalise, and nothing moves them.
        bn.Training = false;
        var z = Check.Random(rng, n * c * hw);
        using var evalInput = Tensor.FromArray(d, z, n, c, h, w);
        var out1 = bn.Forward(evalInput, n).ToArray();
        for (int i = 0; i < z.Length; i++)
        {
            int ch = i / hw % c;
            double expected = (z[i] - runMean[ch]) / Math.Sqrt(runVar[ch] + 1e-5) * gamma[ch] + beta[ch];
            Assert.True(Math.Abs(out1[i] - expected) < 1e-3, $"eval y[{i}] = {out1[i]}, expected {expected}");
        }
        Assert.Equal(rm, bn.Buffers[0].Value.ToArray());
    }

    [Fact]
    public void Config_layer_inits_scale_to_one_and_saves_running_statistics_with_the_weights()
    {
        var spec = new ModelSpec
        {
            Layers = [new LayerSpec { Type = "conv2d", OutChannels = 4, Kernel = 5, Stride = 2 }, new LayerSpec { Type = "batchnorm2d" }, new LayerSpec { Type = "relu" },
                      new LayerSpec { Type = "flatten" }, new LayerSpec { Type = "linear" }],
        };
        using var d = ComputeDevice.Create(AcceleratorChoice.Cpu);
        using var net = spec.Build(3);
        net.Build(d, 2, [1, 45, 45]);
        Init.Apply(net, InitKind.HeNormal, 1);
        Assert.All(net.Parameters.Single(p => p.Name == "1.weight").Value.ToArray(), v => Assert.Equal(1f, v));
        Assert.All(net.Parameters.Single(p => p.Name == "1.bias").Value.ToArray(), v => Assert.Equal(0f, v));

        // Move the running statistics, save, load into a fresh network: they come back.
        using (var x = Tensor.FromArray(d, Check.Random(new Random(2), 2 * 45 * 45), 2, 1, 45, 45)) net.Forward(x, 2);
        var state = net.StateDict();
        Assert.Contains("1.running_mean", state.Keys);
        Assert.Contains("1.running_var", state.Keys);
        var path = Path.Combine(Directory.CreateTempSubdirectory("solver-bn-").FullName, "bn.safetensors");
        ModelWeights.Save(path, net, ["a", "b", "c"], spec);
        using var loaded = ModelWeights.Load(path).CreateNetwork(d, 2);
        Assert.Equal(state["1.running_var"].Data, loaded.StateDict()["1.running_var"].Data);
        Assert.NotEqual(Enumerable.Repeat(1f, 4), state["1.running_var"].Data);
        Directory.Delete(Path.GetDirectoryName(path)!, true);
    }
}
