using System.Globalization;
using System.IO.Compression;

namespace Solver.Trainer.Ink;

/// <summary>One handwritten symbol as pen strokes (x, y pairs in the writer's tablet units, y down).</summary>
public sealed record InkSymbol(float[][] Strokes);

/// <summary>
/// Reads CROHME InkML, the raw ink behind the rendered symbols (../shared/data/hms, zip 4:
/// <c>trainingSymbols/iso&lt;N&gt;.inkml</c>), so that training can redraw every symbol in other pen styles.
/// Only the traces are read (x y pairs, comma separated; extra channels such as time are ignored).
/// </summary>
public static class InkArchive
{
    /// <summary>The key that pairs a rendered image with its ink: "iso123" for crohme14t2_iso123.png and iso123.inkml.</summary>
    public static string? KeyOf(string name)
    {
        var stem = Path.GetFileNameWithoutExtension(name);
        int at = stem.LastIndexOf("iso", StringComparison.Ordinal);
        return at >= 0 && at + 3 < stem.Length && stem.AsSpan(at + 3).IndexOfAnyExceptInRange('0', '9') < 0 ? stem[at..] : null;
    }

    /// <summary>Every symbol of a zip (or folder) of InkML files, by key; unreadable files are skipped and counted.</summary>
    public static Dictionary<string, InkSymbol> Load(string path, ISet<string>? wanted, out int skipped)
    {
        var result = new Dictionary<string, InkSymbol>();
        skipped = 0;
        IEnumerable<(string Name, Func<string> Read)> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*.inkml", SearchOption.AllDirectories).Select(f => (f, (Func<string>)(() => File.ReadAllText(f))))
            : ZipEntries(path);
        foreach (var (name, read) in files)
        {
            if (KeyOf(name) is not { } key || (wanted is not null && !wanted.Contains(key))) continue;
            try
            {
                result[key] = Parse(read());
            }
            catch (FormatException)
            {
                skipped++;
            }
        }
        return result;
    }

    private static IEnumerable<(string, Func<string>)> ZipEntries(string zipPath)
    {
        using var zip = ZipFile.OpenRead(zipPath);
        foreach (var entry in zip.Entries)
        {
            if (!entry.FullName.EndsWith(".inkml", StringComparison.OrdinalIgnoreCase)) continue;
            if (entry.Length > 1 << 20) continue; // one symbol's ink is a few KB
            yield return (entry.FullName, () =>
            {
                using var reader = new StreamReader(entry.Open());
                return reader.ReadToEnd();
            });
        }
    }

    /// <summary>The traces of one InkML document. Throws FormatException when it has none or a point is not numbers.</summary>
    public static InkSymbol Parse(string inkml)
    {
        var strokes = new List<float[]>();
        int from = 0;
        while ((from = inkml.IndexOf("<trace", from, StringComparison.Ordinal)) >= 0)
        {
            // <trace ...> but not <traceFormat>, <traceGroup> or <traceView>
            int nameEnd = from + "<trace".Length;
            if (nameEnd < inkml.Length && char.IsLetter(inkml[nameEnd])) { from = nameEnd; continue; }
            int open = inkml.IndexOf('>', nameEnd);
            int close = inkml.IndexOf("</trace>", open + 1, StringComparison.Ordinal);
            if (open < 0 || close < 0) throw new FormatException("an unclosed <trace>");
            var points = new List<float>();
            foreach (var point in inkml[(open + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var xy = point.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
                if (xy.Length < 2 || !float.TryParse(xy[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                                  || !float.TryParse(xy[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
                                  || !float.IsFinite(x) || !float.IsFinite(y))
                    throw new FormatException($"a trace point '{point}' is not two numbers");
                points.Add(x);
                points.Add(y);
            }
            if (points.Count > 0) strokes.Add([.. points]);
            from = close;
        }
        if (strokes.Count == 0) throw new FormatException("no traces");
        return new InkSymbol([.. strokes]);
    }
}
