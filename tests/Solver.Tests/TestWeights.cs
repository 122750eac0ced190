using Solver.Kernels;
using Solver.Layers;
using Solver.Trainer;

namespace Solver.Tests;

/// <summary>Weights of a tiny network for 45x45 crops with random values: enough to exercise every path but recognition.</summary>
public static class TestWeights
{
    public static string Random(string path, string[] classes, int seed)
    {
        var spec = new ModelSpec { Layers = [new LayerSpec { Type = "conv2d", OutChannels = 2, Kernel = 5, Stride = 3 }, new LayerSpec { Type = "relu" }, new LayerSpec { Type = "flatten" }, new LayerSpec { Type = "linear" }] };
        using var d = ComputeDevice.Create(AcceleratorChoice.Cpu);
        using var net = spec.Build(classes.Length);
        net.Build(d, 1, [1, 45, 45]);
        Init.Apply(net, InitKind.HeNormal, seed);
        ModelWeights.Save(path, net, classes, spec);
        return path;
    }
}
