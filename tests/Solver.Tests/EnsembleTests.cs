using SixLabors.ImageSharp;
using Solver.Inference;
using Solver.Inference.Reading;
using Solver.Kernels;
using Solver.Layers;
using Solver.Trainer;

namespace Solver.Tests;

/// <summary>Several recognizers read together: their probabilities are averaged, and members that disagree on classes are refused.</summary>
public sealed class EnsembleTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("solver-ensemble-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string RandomWeights(string name, string[] classes, int seed) => TestWeights.Random(Path.Combine(dir, name), classes, seed);

    private static List<byte[]> Crops(int count)
    {
        var rng = new Random(5);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var crop = new byte[SymbolImage.Pixels];
            for (int i = 0; i < crop.Length; i++) crop[i] = rng.NextDouble() < 0.1 ? (byte)rng.Next(100, 256) : (byte)0;
            return crop;
        }).ToList();
    }

    /// <summary>Every class's probability, from a prediction that lists all of them (three classes: the top 3 is everything).</summary>
    private static Dictionary<string, double> Probabilities(Prediction p) => p.Alternatives.ToDictionary(a => a.Label, a => a.Confidence);

    [Fact]
    public void Two_networks_read_the_mean_of_their_probabilities()
    {
        string[] classes = ["0", "1", "x"];
        var a = ModelWeights.Load(RandomWeights("a.safetensors", classes, 1));
        var b = ModelWeights.Load(RandomWeights("b.safetensors", classes, 2));
        using var d = ComputeDevice.Create(AcceleratorChoice.Cpu);
        var crops = Crops(70); // more than one batch of 64
        using var ra = new SymbolRecognizer(a, d) { AverageVariants = false };
        using var rb = new SymbolRecognizer(b, d) { AverageVariants = false };
        using var both = new SymbolRecognizer([a, b], d) { AverageVariants = false };
        Assert.Equal(2, both.Members);
        var pa = ra.Classify(crops); var pb = rb.Classify(crops); var pab = both.Classify(crops);
        bool differ = false;
        for (int i = 0; i < crops.Count; i++)
        {
            var (x, y, m) = (Probabilities(pa[i]), Probabilities(pb[i]), Probabilities(pab[i]));
            foreach (var c in classes) Assert.Equal((x[c] + y[c]) / 2, m[c], 6);
            differ |= Math.Abs(x[classes[0]] - y[classes[0]]) > 1e-3;
        }
        Assert.True(differ, "the two random networks should not agree everywhere");
    }

    [Fact]
    public void Members_with_other_classes_are_refused_and_a_missing_member_is_named()
    {
        var a = RandomWeights("a.safetensors", ["0", "1", "x"], 1);
        var other = RandomWeights("other.safetensors", ["0", "1", "y"], 2);
        using var d = ComputeDevice.Create(AcceleratorChoice.Cpu);
        var e = Assert.Throws<InvalidDataException>(() => new SymbolRecognizer([ModelWeights.Load(a), ModelWeights.Load(other)], d));
        Assert.Contains("same classes", e.Message);

        var img = Path.Combine(dir, "eq.png");
        using (var i = Solver.Inference.Rendering.StrokeRenderer.Render("1+1", new(), 1)) i.SaveAsPng(img);
        var missing = Path.Combine(dir, "second.safetensors");
        foreach (var (weights, expected) in new[] { ($"{a},{missing}", $"weights file not found: {missing}"), ($"{a},{other}", "same classes") })
        {
            var o = new StringWriter(); var err = new StringWriter();
            Assert.Equal(2, SolveCli.Run([img, "--weights", weights, "--accelerator", "cpu"], o, err));
            Assert.Contains(expected, err.ToString());
            Assert.DoesNotContain("   at ", err.ToString());
        }
    }
}
