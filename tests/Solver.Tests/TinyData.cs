using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Solver.Tests;

/// <summary>Writes small generated datasets in the Kaggle layout (dark strokes on white, 45x45 PNG) for trainer tests.</summary>
public static class TinyData
{
    public static readonly string[] Classes = ["bar", "cross", "ring"];

    /// <summary>Shapes of <see cref="Shapes"/> drawn at 45x45 as black on white, <paramref name="perClass"/> of each, with an index.csv of groups.</summary>
    public static string WriteFolder(string root, int perClass, int seed, int groupSize = 3)
    {
        var rng = new Random(seed);
        var index = new List<string> { "file,class,expression" };
        for (int i = 0; i < perClass * Classes.Length; i++)
        {
            int label = i % 3;
            var cls = Classes[label];
            Directory.CreateDirectory(Path.Combine(root, cls));
            using var img = new Image<L8>(45, 45, new L8(255));
            int cx = 15 + rng.Next(15), cy = 15 + rng.Next(15), r = 8 + rng.Next(6);
            float t = 1.0f + (float)rng.NextDouble() * 1.5f;
            bool vertical = rng.Next(2) == 0;
            for (int y = 0; y < 45; y++)
            for (int x = 0; x < 45; x++)
            {
                float dx = x - cx, dy = y - cy;
                bool on = label switch
                {
                    0 => vertical ? MathF.Abs(dx) <= t && MathF.Abs(dy) <= r : MathF.Abs(dy) <= t && MathF.Abs(dx) <= r,
                    1 => (MathF.Abs(dy) <= t && MathF.Abs(dx) <= r) || (MathF.Abs(dx) <= t && MathF.Abs(dy) <= r),
                    _ => MathF.Abs(MathF.Sqrt(dx * dx + dy * dy) - r) <= t,
                };
                if (on) img[x, y] = new L8(0);
            }
            var name = $"{cls}/img{i:D4}.png";
            img.SaveAsPng(Path.Combine(root, name));
            index.Add($"{name},{cls},expr{i / groupSize}");
        }
        File.WriteAllLines(Path.Combine(root, "index.csv"), index);
        return root;
    }

    public static string Zip(string folder, string zipPath, string prefix = "")
    {
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create);
        foreach (var f in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            zip.CreateEntryFromFile(f, prefix + Path.GetRelativePath(folder, f).Replace('\\', '/'));
        return zipPath;
    }

    public static string Config(string dir, string dataPath, int epochs = 4, string extra = "") => Write(Path.Combine(dir, "tiny.json"), $$"""
    {
      "name": "tiny",
      "data": { "paths": ["{{dataPath.Replace("\\", "/")}}"], "classes": ["bar", "cross", "ring"], "split": { "train": 0.6, "val": 0.2, "test": 0.2, "seed": 7 } },
      "model": { "input": [1, 45, 45], "init": "he_normal", "layers": [
        { "type": "conv2d", "out_channels": 4, "kernel": 5, "stride": 2 }, { "type": "relu" }, { "type": "maxpool2d", "kernel": 2 },
        { "type": "flatten" }, { "type": "linear" } ] },
      "optimizer": { "type": "sgd", "lr": 0.05, "momentum": 0.9 },
      "batch_size": 16, "epochs": {{epochs}}, "seed": 3{{extra}}
    }
    """);

    public static string Write(string path, string text)
    {
        File.WriteAllText(path, text);
        return path;
    }
}
