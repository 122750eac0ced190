using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Solver.Inference.Reading;
using Solver.Trainer;

namespace Solver.Inference.Evaluation;

public sealed record EvaluationTotals(string Kind, int Equations, int Solved, int SymbolsRight, int Symbols, int SegmentedRight);

/// <summary>Runs the whole pipeline on composed equations and counts symbol accuracy and exact solve rate.</summary>
public static class ComposedEvaluation
{
    public static List<EvaluationTotals> Run(EquationReader reader, Dataset data, int[] testIndices, int count, int seed, TextWriter log, string? dumpDirectory = null, int damage = 0,
        IReadOnlySet<int>? only = null)
    {
        var byClass = testIndices.GroupBy(i => data.Classes[data.Labels[i]]).ToDictionary(g => g.Key, g => g.ToList());
        var rng = new Random(seed);
        var totals = new Dictionary<string, int[]> { ["linear"] = new int[5], ["quadratic"] = new int[5] };
        for (int k = 0; k < count; k++)
        {
            var eq = k % 2 == 0 ? EquationComposer.Linear(rng) : EquationComposer.Quadratic(rng);
            if (eq.Labels.Any(l => !byClass.ContainsKey(l))) throw new InvalidDataException($"the test split has no images of '{eq.Labels.First(l => !byClass.ContainsKey(l))}'");
            var canvas = EquationComposer.Render(eq, data, byClass, rng, out int w, out int h);
            // Damage from its own stream: every damage level sees the same equations.
            canvas = PhotoDamage.Apply(canvas, damage, new Random(unchecked(seed * 7919 + k)));
            // Every equation is composed and damaged, read or not, so that the random streams match the full run.
            if (only is not null && !only.Contains(k)) continue;
            using var img = new Image<L8>(w, h);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img[x, y] = new L8(canvas[y, x]);
            using var ms = new MemoryStream();
            img.SaveAsPng(ms);
            var r = reader.Read(ms.ToArray(), $"composed-{k}");
            if (dumpDirectory is not null)
            {
                // For looking at failures; these pictures hold dataset ink and must never be committed.
                Directory.CreateDirectory(dumpDirectory);
                img.SaveAsPng(Path.Combine(dumpDirectory, $"composed{k:D3}.png"));
            }
            var t = totals[eq.Kind];
            t[0]++;
            bool solved = r.Ok && r.Kind == "roots" && r.Solutions.Order().SequenceEqual(eq.Expected.Order());
            if (solved) t[1]++;
            t[3] += eq.Labels.Count;
            if (r.Symbols.Count == eq.Labels.Count)
            {
                t[4]++;
                t[2] += r.Symbols.Zip(eq.Labels).Count(p => p.First.Label == p.Second);
            }
            if (!solved && log != TextWriter.Null)
                log.WriteLine($"  #{k} miss{(r.Symbols.Count != eq.Labels.Count ? $" (segmented {r.Symbols.Count} of {eq.Labels.Count})" : "")}: {eq.Text} read as '{r.Equation ?? string.Concat(r.Symbols.Select(s => s.Text))}' {(r.Error ?? string.Join(",", r.Solutions))}");
        }
        return totals.Select(kv => new EvaluationTotals(kv.Key, kv.Value[0], kv.Value[1], kv.Value[2], kv.Value[3], kv.Value[4])).ToList();
    }

    /// <summary>"98, 128" as a set of equation numbers; null for none. Throws a clear error on anything else.</summary>
    public static IReadOnlySet<int>? ParsePicks(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var set = new HashSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int k)) set.Add(k);
            else throw new ArgumentException($"--only takes equation numbers separated by commas, not '{part}'");
        return set;
    }

    public static string Format(IEnumerable<EvaluationTotals> totals) => string.Join("\n", totals.Select(t =>
        string.Create(CultureInfo.InvariantCulture,
            $"{t.Kind}: solved {t.Solved}/{t.Equations} ({100.0 * t.Solved / Math.Max(1, t.Equations):F1}%), symbols right {t.SymbolsRight}/{t.Symbols} ({100.0 * t.SymbolsRight / Math.Max(1, t.Symbols):F1}%), segmented into the right number of symbols {t.SegmentedRight}/{t.Equations}")));
}
