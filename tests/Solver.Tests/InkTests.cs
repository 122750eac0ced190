using SixLabors.ImageSharp;
using Solver.Trainer;
using Solver.Trainer.Ink;

namespace Solver.Tests;

public sealed class InkTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("solver-ink-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string InkMl(params (float X, float Y)[][] strokes) =>
        "<ink xmlns=\"http://www.w3.org/2003/InkML\"><traceFormat><channel name=\"X\" type=\"decimal\"/><channel name=\"Y\" type=\"decimal\"/></traceFormat>" +
        "<annotation type=\"UI\">test_1</annotation>" +
        string.Concat(strokes.Select((s, i) => $"<trace id=\"{i}\">\n{string.Join(", ", s.Select(p => FormattableString.Invariant($"{p.X} {p.Y}")))}\n</trace>")) +
        "<traceGroup><traceGroup xml:id=\"0\"><traceView traceDataRef=\"0\"/></traceGroup></traceGroup></ink>";

    [Fact]
    public void Traces_are_read_and_everything_else_ignored()
    {
        var ink = InkArchive.Parse(InkMl([(618, 99), (619, 97.5f), (608, 125)], [(1, 2), (3, 4)]));
        Assert.Equal(2, ink.Strokes.Length);
        Assert.Equal([618f, 99f, 619f, 97.5f, 608f, 125f], ink.Strokes[0]);
        // A third channel (time) is ignored.
        var timed = InkArchive.Parse("<ink><trace>1 2 0.5, 3 4 0.6</trace></ink>");
        Assert.Equal([1f, 2f, 3f, 4f], timed.Strokes[0]);
        Assert.Throws<FormatException>(() => InkArchive.Parse("<ink><traceGroup/></ink>"));
        Assert.Throws<FormatException>(() => InkArchive.Parse("<ink><trace>1 2, x y</trace></ink>"));
        Assert.Throws<FormatException>(() => InkArchive.Parse("<ink><trace>1 2, 3 4"));
    }

    [Theory]
    [InlineData("crohme14t2_iso123.png", "iso123")]
    [InlineData("trainingSymbols/iso5.inkml", "iso5")]
    [InlineData("isotope.png", null)]
    [InlineData("img0001.png", null)]
    public void Images_pair_with_ink_by_their_iso_number(string name, string? key) => Assert.Equal(key, InkArchive.KeyOf(name));

    [Fact]
    public void Ink_is_drawn_in_the_dataset_convention()
    {
        // An X as two pen strokes in tablet units, wider than tall.
        var x = InkArchive.Parse(InkMl([(100, 100), (300, 250)], [(300, 100), (100, 250)]));
        var plain = new AugmentConfig { Probability = 1, RotateDegrees = 0, Shear = 0, Scale = 0, MaxThickness = 0 };
        var a = Augmenter.ApplyInk(x, plain, new Random(1));
        var cols = Enumerable.Range(0, 45).Where(c => Enumerable.Range(0, 45).Any(r => a[r * 45 + c] > 0)).ToList();
        var rows = Enumerable.Range(0, 45).Where(r => Enumerable.Range(0, 45).Any(c => a[r * 45 + c] > 0)).ToList();
        Assert.True(cols[^1] - cols[0] >= 42, "the longer side spans the crop");
        Assert.InRange(rows[^1] - rows[0], 26, 40); // 150/200 of it, kept in proportion
        Assert.InRange(a.Count(v => v > 0), 60, 200); // two thin strokes, not a blob
        var bent = Augmenter.ApplyInk(x, new AugmentConfig { Elastic = 3, MaxThickness = 3 }, new Random(2));
        Assert.Equal(bent, Augmenter.ApplyInk(x, new AugmentConfig { Elastic = 3, MaxThickness = 3 }, new Random(2)));
        Assert.NotEqual(a, bent);
    }

    [Fact]
    public void Training_redraws_images_from_their_ink()
    {
        // Symbols as the real data has them: pen strokes in an InkML file each, and a PNG drawn from the same strokes
        // in the dataset's convention (1 px lines, longer side 45 px). Trained on redrawn strokes only, the model must
        // read the PNGs.
        var rng = new Random(8);
        var data = Path.Combine(dir, "data");
        var inkDir = Directory.CreateDirectory(Path.Combine(dir, "ink")).FullName;
        for (int n = 0; n < 90; n++)
        {
            string cls = TinyData.Classes[n % 3];
            float J() => (float)rng.NextDouble() * 6 - 3;
            (float X, float Y)[][] strokes = cls switch
            {
                "bar" => [[(10 + J(), 0 + J()), (10 + J(), 40 + J())]],
                "cross" => [[(0 + J(), 20 + J()), (40 + J(), 20 + J())], [(20 + J(), 0 + J()), (20 + J(), 40 + J())]],
                _ => [[.. Enumerable.Range(0, 25).Select(k => (20 + (15 + J()) * MathF.Cos(k * MathF.PI / 12), 20 + 15 * MathF.Sin(k * MathF.PI / 12)))]],
            };
            File.WriteAllText(Path.Combine(inkDir, $"iso{n}.inkml"), InkMl(strokes));
            Directory.CreateDirectory(Path.Combine(data, cls));
            using var png = KaggleStyle(strokes);
            png.SaveAsPng(Path.Combine(data, cls, $"t_iso{n}.png"));
        }
        var config = TinyData.Config(dir, data, epochs: 8);
        File.WriteAllText(config, File.ReadAllText(config)
            .Replace("\"classes\": [", $"\"ink\": \"{inkDir.Replace("\\", "/")}\", \"augment\": {{ \"probability\": 1, \"ink\": 1, \"elastic\": 1 }}, \"classes\": ["));
        var o = new StringWriter(); var e = new StringWriter();
        int code = TrainerCli.Run(["--config", config, "--out", Path.Combine(dir, "run"), "--accelerator", "cpu", "--cache", Path.Combine(dir, "cache")], o, e);
        Assert.True(code == 0, e.ToString() + o);
        Assert.Contains("ink: 90 of 90 images paired with their strokes", o.ToString());
        var accuracy = double.Parse(System.Text.RegularExpressions.Regex.Match(o.ToString(), @"test accuracy ([\d.]+)%").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(accuracy >= 80, o.ToString());
    }

    /// <summary>1 px black lines on white, the bounding box scaled until its longer side spans 45 px, centred.</summary>
    private static SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8> KaggleStyle((float X, float Y)[][] strokes)
    {
        var all = strokes.SelectMany(s => s).ToArray();
        float minX = all.Min(p => p.X), minY = all.Min(p => p.Y);
        float span = Math.Max(all.Max(p => p.X) - minX, all.Max(p => p.Y) - minY), scale = 44 / span;
        float offX = (44 - (all.Max(p => p.X) - minX) * scale) / 2, offY = (44 - (all.Max(p => p.Y) - minY) * scale) / 2;
        var img = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8>(45, 45, new(255));
        foreach (var s in strokes)
            for (int k = 0; k + 1 < s.Length; k++)
            {
                var (ax, ay) = (offX + (s[k].X - minX) * scale, offY + (s[k].Y - minY) * scale);
                var (bx, by) = (offX + (s[k + 1].X - minX) * scale, offY + (s[k + 1].Y - minY) * scale);
                int steps = (int)MathF.Ceiling(MathF.Max(MathF.Abs(bx - ax), MathF.Abs(by - ay))) + 1;
                for (int t = 0; t <= steps; t++)
                    img[(int)MathF.Round(ax + (bx - ax) * t / steps), (int)MathF.Round(ay + (by - ay) * t / steps)] = new(0);
            }
        return img;
    }

    [Fact]
    public void Ink_augmentation_without_an_ink_path_is_a_config_error()
    {
        var data = TinyData.WriteFolder(Path.Combine(dir, "data"), perClass: 3, seed: 1);
        var config = TinyData.Config(dir, data);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"classes\": [", "\"augment\": { \"ink\": 0.5 }, \"classes\": ["));
        var e = new StringWriter();
        Assert.Equal(2, TrainerCli.Run(["--config", config, "--accelerator", "cpu"], new StringWriter(), e));
        Assert.Contains("set data.ink", e.ToString());
    }
}
