using System.Text.Json;
using Solver.Inference;

namespace Solver.Tests;

/// <summary>
/// The README's main job: every shipped example (drawn by our renderer, examples/examples.json says what it
/// shows) is read and solved correctly by the shipped weights, through the real CLI.
/// </summary>
public class ExamplesTests
{
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Solver.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("Solver.sln not found above the test binaries");
    }

    public sealed record Example(string File, string Equation, string[] Solutions, string? Value);

    public static IEnumerable<object[]> All()
    {
        var path = Path.Combine(RepoRoot(), "examples", "examples.json");
        var list = JsonSerializer.Deserialize<List<Example>>(File.ReadAllText(path), SolveCli.Json)!;
        return list.Select(e => new object[] { e.File });
    }

    [Theory, MemberData(nameof(All))]
    public void Shipped_example_is_solved_by_the_shipped_weights(string file)
    {
        var root = RepoRoot();
        var examples = JsonSerializer.Deserialize<List<Example>>(File.ReadAllText(Path.Combine(root, "examples", "examples.json")), SolveCli.Json)!;
        var example = examples.Single(e => e.File == file);
        var o = new StringWriter(); var e = new StringWriter();
        int code = SolveCli.Run(["solve", Path.Combine(root, "examples", file), "--json", "--accelerator", "cpu",
            "--weights", Path.Combine(root, "models", SolveCli.DefaultWeightsName)], o, e);
        Assert.True(code == 0, e.ToString() + o);
        using var doc = JsonDocument.Parse(o.ToString());
        Assert.Equal(example.Equation, doc.RootElement.GetProperty("equation").GetString());
        Assert.Equal(example.Solutions, doc.RootElement.GetProperty("solutions").EnumerateArray().Select(s => s.GetString()));
        if (example.Value is not null) Assert.Equal(example.Value, doc.RootElement.GetProperty("value").GetString());
    }

    /// <summary>The same examples photographed (PhotoDamage level 1: tilt, ruled lines, uneven light, blur, noise) still solve.</summary>
    [Theory, MemberData(nameof(All))]
    public void Shipped_example_survives_photo_damage(string file)
    {
        var root = RepoRoot();
        var examples = JsonSerializer.Deserialize<List<Example>>(File.ReadAllText(Path.Combine(root, "examples", "examples.json")), SolveCli.Json)!;
        var example = examples.Single(e => e.File == file);
        using var clean = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.L8>(Path.Combine(root, "examples", file));
        var canvas = new byte[clean.Height, clean.Width];
        for (int y = 0; y < clean.Height; y++) for (int x = 0; x < clean.Width; x++) canvas[y, x] = clean[x, y].PackedValue;
        var damaged = Solver.Inference.Evaluation.PhotoDamage.Apply(canvas, 1, new Random(4));
        Assert.NotEqual(canvas.Cast<byte>(), damaged.Cast<byte>());
        using var photo = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8>(clean.Width, clean.Height);
        for (int y = 0; y < clean.Height; y++) for (int x = 0; x < clean.Width; x++) photo[x, y] = new SixLabors.ImageSharp.PixelFormats.L8(damaged[y, x]);
        var path = Path.Combine(Path.GetTempPath(), $"solver-photo-{Guid.NewGuid():N}.png");
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(photo, path);
        try
        {
            var o = new StringWriter(); var e = new StringWriter();
            int code = SolveCli.Run(["solve", path, "--json", "--accelerator", "cpu", "--weights", Path.Combine(root, "models", SolveCli.DefaultWeightsName)], o, e);
            Assert.True(code == 0, e.ToString() + o);
            using var doc = JsonDocument.Parse(o.ToString());
            Assert.Equal(example.Equation, doc.RootElement.GetProperty("equation").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
