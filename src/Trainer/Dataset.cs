using System.Security.Cryptography;
using System.Text;
using Solver.Layers;

namespace Solver.Trainer;

/// <summary>Decoded symbols: 45x45 ink-bright bytes per image, a class index and a group index each.</summary>
public sealed class Dataset
{
    public required IReadOnlyList<string> Classes { get; init; }
    public required byte[] Pixels { get; init; }
    public required int[] Labels { get; init; }
    public required int[] Groups { get; init; }
    /// <summary>Each image's file name (no folder), e.g. crohme14t2_iso123.png: what pairs it with its ink.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];
    /// <summary>Each image's pen strokes where <see cref="AttachInk"/> found them, else null.</summary>
    public Ink.InkSymbol?[]? Ink { get; private set; }
    public int Skipped { get; init; }
    public IReadOnlyList<string> SkippedExamples { get; init; } = [];

    public int Count => Labels.Length;

    public ReadOnlySpan<byte> Image(int i) => Pixels.AsSpan(i * SymbolImage.Pixels, SymbolImage.Pixels);

    public int[] CountPerClass(IEnumerable<int> indices)
    {
        var counts = new int[Classes.Count];
        foreach (var i in indices) counts[Labels[i]]++;
        return counts;
    }

    /// <summary>Pairs every image with its ink (by <see cref="Solver.Trainer.Ink.InkArchive.KeyOf"/>); returns how many were found.</summary>
    public int AttachInk(string inkPath, Action<string>? log = null)
    {
        var keys = Names.Select(n => Solver.Trainer.Ink.InkArchive.KeyOf(n)).ToArray();
        var ink = Solver.Trainer.Ink.InkArchive.Load(inkPath, keys.Where(k => k is not null).ToHashSet()!, out int unreadable);
        Ink = keys.Select(k => k is not null && ink.TryGetValue(k, out var s) ? s : null).ToArray();
        int found = Ink.Count(s => s is not null);
        log?.Invoke($"ink: {found} of {Count} images paired with their strokes from {inkPath}" + (unreadable > 0 ? $", {unreadable} unreadable InkML files skipped" : ""));
        return found;
    }

    /// <summary>Copies images to floats in [0, 1] for a batch, augmenting some when asked (deterministic for the given Random).</summary>
    public void FillBatch(ReadOnlySpan<int> indices, Span<float> x, Span<int> labels, AugmentConfig? augment = null, Random? rng = null)
    {
        const float scale = 1f / 255f;
        for (int b = 0; b < indices.Length; b++)
        {
            var img = Image(indices[b]);
            if (augment is not null && rng!.NextDouble() < augment.Probability)
                img = Ink?[indices[b]] is { } ink && rng.NextDouble() < augment.Ink ? Augmenter.ApplyInk(ink, augment, rng) : Augmenter.Apply(img, augment, rng);
            var dst = x.Slice(b * SymbolImage.Pixels, SymbolImage.Pixels);
            for (int p = 0; p < img.Length; p++) dst[p] = img[p] * scale;
            labels[b] = Labels[indices[b]];
        }
    }

    /// <summary>
    /// Loads the given classes from the given paths, through a cache file keyed by the sources (path, size, time)
    /// and the classes, so that a second run starts in seconds. Corrupt images are skipped and counted.
    /// </summary>
    public static Dataset Load(IReadOnlyList<string> paths, IReadOnlyList<string> classes, string? cacheDir = null, Action<string>? log = null)
    {
        var sources = paths.SelectMany(DataSource.Expand).Distinct().ToList();
        var key = CacheKey(sources, classes);
        cacheDir ??= DefaultCacheDir();
        var cachePath = Path.Combine(cacheDir, $"dataset-{key}.bin");
        if (DatasetCache.TryRead(cachePath, classes) is { } cached)
        {
            log?.Invoke($"data: {cached.Count} images from cache {cachePath}");
            return cached;
        }
        var data = Decode(sources, classes, log);
        if (data.Count == 0)
            throw new ConfigException($"no images of the classes [{string.Join(", ", classes.Take(8))}{(classes.Count > 8 ? ", ..." : "")}] in {string.Join(", ", paths)}");
        try
        {
            DatasetCache.Write(cachePath, data);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log?.Invoke($"data: could not write the cache ({e.Message}); continuing without it");
        }
        return data;
    }

    public static string DefaultCacheDir() =>
        Environment.GetEnvironmentVariable("SOLVER_CACHE") is { Length: > 0 } env ? env
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "solver");

    private static string CacheKey(IEnumerable<string> sources, IEnumerable<string> classes)
    {
        var sb = new StringBuilder("v2|").Append(SymbolImage.PreprocessingDescription).Append('|');
        foreach (var s in sources)
        {
            sb.Append(Path.GetFullPath(s)).Append('|');
            if (File.Exists(s))
            {
                var fi = new FileInfo(s);
                sb.Append(fi.Length).Append('|').Append(fi.LastWriteTimeUtc.Ticks).Append('|');
            }
            else
            {
                // A folder: its files' names, sizes and times.
                foreach (var f in Directory.EnumerateFiles(s, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
                {
                    var fi = new FileInfo(f);
                    sb.Append(f).Append(fi.Length).Append(fi.LastWriteTimeUtc.Ticks);
                }
            }
        }
        sb.Append(string.Join("\u0001", classes));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..20].ToLowerInvariant();
    }

    private static Dataset Decode(List<string> sources, IReadOnlyList<string> classes, Action<string>? log)
    {
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(t => t.c, t => t.i);
        var refs = sources.SelectMany(s => DataSource.Enumerate(s, classIndex.Keys.ToHashSet()).Select(r => (r, bytes: SafeRead(r)))).ToList();
        var pixels = new byte[refs.Count * SymbolImage.Pixels];
        var ok = new bool[refs.Count];
        var errors = new string?[refs.Count];
        Parallel.For(0, refs.Count, i =>
        {
            var (r, bytes) = refs[i];
            try
            {
                if (bytes.Error is not null) throw new ImageRejectedException(bytes.Error);
                using var img = SafeImageLoader.LoadGray(bytes.Data!, r.Name);
                SymbolImage.Normalize(img).CopyTo(pixels, i * SymbolImage.Pixels);
                ok[i] = true;
            }
            catch (ImageRejectedException e)
            {
                errors[i] = e.Message;
            }
        });
        var keep = Enumerable.Range(0, refs.Count).Where(i => ok[i]).ToList();
        var groupIds = new Dictionary<string, int>();
        var result = new Dataset
        {
            Classes = classes.ToList(),
            Pixels = new byte[keep.Count * SymbolImage.Pixels],
            Labels = keep.Select(i => classIndex[refs[i].r.Class]).ToArray(),
            Groups = keep.Select(i => groupIds.TryGetValue(refs[i].r.Group, out var g) ? g : groupIds[refs[i].r.Group] = groupIds.Count).ToArray(),
            Names = keep.Select(i => Path.GetFileName(refs[i].r.Name)).ToArray(),
            Skipped = refs.Count - keep.Count,
            SkippedExamples = errors.Where(e => e is not null).Take(5).ToList()!,
        };
        for (int k = 0; k < keep.Count; k++)
            Array.Copy(pixels, keep[k] * SymbolImage.Pixels, result.Pixels, k * SymbolImage.Pixels, SymbolImage.Pixels);
        log?.Invoke($"data: decoded {result.Count} images from {sources.Count} source(s), skipped {result.Skipped} unreadable");
        foreach (var e in result.SkippedExamples) log?.Invoke($"  skipped: {e}");
        return result;
    }

    private static (byte[]? Data, string? Error) SafeRead(SampleRef r)
    {
        try { return (r.Read(), null); }
        catch (Exception e) when (e is IOException or InvalidDataException or ImageRejectedException) { return (null, $"{r.Name}: {e.Message}"); }
    }
}

/// <summary>The compact binary cache of a decoded dataset (magic, classes, labels, groups, names, pixels), written atomically.</summary>
public static class DatasetCache
{
    private const string Magic = "SOLVERDS2";

    public static void Write(string path, Dataset d)
    {
        AtomicFile.Write(path, s =>
        {
            using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(d.Classes.Count);
            foreach (var c in d.Classes) w.Write(c);
            w.Write(d.Count);
            w.Write(d.Skipped);
            foreach (var l in d.Labels) w.Write(l);
            foreach (var g in d.Groups) w.Write(g);
            foreach (var name in d.Names) w.Write(name);
            w.Write(d.Pixels);
        });
    }

    public static Dataset? TryRead(string path, IReadOnlyList<string> classes)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadString() != Magic) return null;
            int nc = r.ReadInt32();
            var cls = Enumerable.Range(0, nc).Select(_ => r.ReadString()).ToList();
            if (!cls.SequenceEqual(classes)) return null;
            int n = r.ReadInt32(), skipped = r.ReadInt32();
            var labels = Enumerable.Range(0, n).Select(_ => r.ReadInt32()).ToArray();
            var groups = Enumerable.Range(0, n).Select(_ => r.ReadInt32()).ToArray();
            var names = Enumerable.Range(0, n).Select(_ => r.ReadString()).ToArray();
            var pixels = r.ReadBytes(n * SymbolImage.Pixels);
            if (pixels.Length != n * SymbolImage.Pixels || labels.Any(l => l < 0 || l >= nc)) return null;
            return new Dataset { Classes = cls, Labels = labels, Groups = groups, Names = names, Pixels = pixels, Skipped = skipped };
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or FormatException)
        {
            return null; // a damaged cache is rebuilt
        }
    }
}
