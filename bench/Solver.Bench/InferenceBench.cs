using System.Diagnostics;
using SixLabors.ImageSharp;
using Solver.Inference.Reading;
using Solver.Inference.Rendering;
using Solver.Kernels;

namespace Solver.Bench;

/// <summary>End-to-end latency of `solve` on one 8-symbol equation image made by our stroke renderer: decode, segment,
/// recognize, search, parse and solve. Weights loaded once, as a server would.</summary>
public static class InferenceBench
{
    public const string Equation = "3x+12=27";

    /// <summary>The benchmark's equation drawn by our stroke renderer, as PNG bytes.</summary>
    public static byte[] EquationPng()
    {
        using var image = StrokeRenderer.Render(Equation, new RenderStyle(), 7);
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        return png.ToArray();
    }

    public static (double MedianMs, string Read) Run(ComputeDevice d, string weights, int rounds)
    {
        var bytes = EquationPng();
        using var reader = EquationReader.Open(weights, d);
        var first = reader.Read(bytes, "bench.png"); // compile and warm up
        var times = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            var sw = Stopwatch.StartNew();
            reader.Read(bytes, "bench.png");
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        return (Measure.Median(times), first.Equation + (first.Ok ? $" -> {string.Join(", ", first.Solutions)}" : $" ({first.Error})"));
    }
}
