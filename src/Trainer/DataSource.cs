using System.IO.Compression;
using CsvHelper;
using CsvHelper.Configuration;
using System.Globalization;

namespace Solver.Trainer;

/// <summary>One image file in a source: its class folder, its name, its group (expression) and how to read it.</summary>
public sealed record SampleRef(string Class, string Name, string Group, Func<byte[]> Read);

/// <summary>
/// Enumerates images in the Kaggle layout &lt;class&gt;/&lt;file&gt; (optionally under extracted_images/) from a
/// folder, a zip, or a folder of such zips. Non-image files are passed over. When a source has an index.csv
/// with an <c>expression</c> column, that is each file's group; otherwise every file is its own group.
/// </summary>
public static class DataSource
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    public static bool IsImageName(string name) => ImageExtensions.Contains(Path.GetExtension(name).ToLowerInvariant());

    /// <summary>Resolves a configured path: as given (relative to the working directory), else relative to <paramref name="baseDirectory"/>.</summary>
    public static string Resolve(string path, string baseDirectory)
    {
        if (File.Exists(path) || Directory.Exists(path)) return Path.GetFullPath(path);
        var alt = Path.Combine(baseDirectory, path);
        if (File.Exists(alt) || Directory.Exists(alt)) return Path.GetFullPath(alt);
        throw new ConfigException($"data path not found: {path}");
    }

    /// <summary>The concrete sources behind a path: the zip itself, a folder in the Kaggle layout, or each zip in a folder.</summary>
    public static List<string> Expand(string path)
    {
        if (File.Exists(path))
        {
            if (!path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) throw new ConfigException($"data path {path} is a file but not a .zip");
            return [path];
        }
        var zips = Directory.GetFiles(path, "*.zip").OrderBy(p => p, StringComparer.Ordinal).ToList();
        bool hasClassFolders = Directory.GetDirectories(path).Length > 0;
        if (zips.Count > 0 && !hasClassFolders) return zips;
        if (zips.Count > 0) zips.Insert(0, path);
        return zips.Count > 0 ? zips : [path];
    }

    public static IEnumerable<SampleRef> Enumerate(string source, ISet<string> classes) =>
        File.Exists(source) ? EnumerateZip(source, classes) : EnumerateFolder(source, classes);

    private static (string Class, string File)? Split(string relative)
    {
        var parts = relative.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 3 && parts[0] == "extracted_images") return (parts[1], parts[2]);
        if (parts.Length == 2) return (parts[0], parts[1]);
        return null;
    }

    private static IEnumerable<SampleRef> EnumerateFolder(string root, ISet<string> classes)
    {
        var groups = ReadGroups(() => File.Exists(Path.Combine(root, "index.csv")) ? File.OpenRead(Path.Combine(root, "index.csv")) : null);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (Split(rel) is not { } cf || !classes.Contains(cf.Class) || !IsImageName(cf.File)) continue;
            var key = $"{cf.Class}/{cf.File}";
            yield return new SampleRef(cf.Class, $"{root}:{rel}", groups.GetValueOrDefault(key) ?? $"{root}:{rel}", () => File.ReadAllBytes(file));
        }
    }

    private static IEnumerable<SampleRef> EnumerateZip(string zipPath, ISet<string> classes)
    {
        ZipArchive zip;
        try { zip = ZipFile.OpenRead(zipPath); }
        catch (InvalidDataException e) { throw new ConfigException($"{zipPath} is not a readable zip ({e.Message})"); }
        using (zip)
        {
            var index = zip.GetEntry("index.csv") ?? zip.GetEntry("extracted_images/index.csv");
            var groups = ReadGroups(() => index?.Open());
            foreach (var entry in zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                if (entry.FullName.EndsWith('/')) continue;
                if (Split(entry.FullName) is not { } cf || !classes.Contains(cf.Class) || !IsImageName(cf.File)) continue;
                var key = $"{cf.Class}/{cf.File}";
                var e = entry;
                yield return new SampleRef(cf.Class, $"{Path.GetFileName(zipPath)}:{entry.FullName}",
                    groups.GetValueOrDefault(key) ?? $"{Path.GetFileName(zipPath)}:{entry.FullName}", () => ReadEntry(e));
            }
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        // Symbols are tiny; a huge entry is not one of ours and is not read into memory.
        if (entry.Length > 64L * 1024 * 1024) throw new ImageRejectedException($"{entry.FullName}: {entry.Length} bytes is too large for a symbol image");
        using var s = entry.Open();
        using var m = new MemoryStream((int)entry.Length);
        s.CopyTo(m);
        return m.ToArray();
    }

    /// <summary>file -> expression, from an index.csv with columns file and expression (others ignored).</summary>
    private static Dictionary<string, string> ReadGroups(Func<Stream?> open)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        using var stream = open();
        if (stream is null) return map;
        using var reader = new StreamReader(stream);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { MissingFieldFound = null, BadDataFound = null });
        if (!csv.Read() || !csv.ReadHeader()) return map;
        var header = csv.HeaderRecord ?? [];
        if (!header.Contains("file") || !header.Contains("expression")) return map;
        while (csv.Read())
        {
            var file = csv.GetField("file");
            var expression = csv.GetField("expression");
            if (!string.IsNullOrEmpty(file) && !string.IsNullOrEmpty(expression)) map[file] = "expr:" + expression;
        }
        return map;
    }
}
