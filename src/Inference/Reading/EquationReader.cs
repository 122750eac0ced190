using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Solver.Inference.Algebra;
using Solver.Inference.Imaging;
using Solver.Kernels;
using Solver.Trainer;

namespace Solver.Inference.Reading;

public sealed class ReadOptions
{
    public long MaxPixels { get; init; } = SafeImageLoader.DefaultMaxPixels;
    public BinarizationMethod Binarization { get; init; } = BinarizationMethod.Sauvola;
    public string? DebugDirectory { get; init; }
}

/// <summary>
/// Image in, solution out: decode safely, segment, recognize every symbol in one batch, turn the labels into
/// tokens, parse and solve. When the most likely labels do not make a solvable equation, lower-ranked alternatives
/// of the least certain symbols are tried, most likely combination first.
/// </summary>
public sealed class EquationReader(SymbolRecognizer recognizer) : IDisposable
{
    /// <summary>Images are analysed at most this large on their longer side; photos are scaled down first.</summary>
    public const int WorkingSide = 2000;

    public static EquationReader Open(string weightsPath, ComputeDevice device) =>
        new(new SymbolRecognizer(ModelWeights.Load(weightsPath), device));

    public ReadResult Read(byte[] bytes, string name, ReadOptions? options = null)
    {
        options ??= new ReadOptions();
        var result = new ReadResult();
        GrayImage gray;
        try
        {
            using var img = SafeImageLoader.LoadGray(bytes, name, options.MaxPixels);
            if (Math.Max(img.Width, img.Height) > WorkingSide)
            {
                double s = (double)WorkingSide / Math.Max(img.Width, img.Height);
                img.Mutate(m => m.Resize(Math.Max(1, (int)(img.Width * s)), Math.Max(1, (int)(img.Height * s))));
            }
            gray = GrayImage.From(img);
        }
        catch (ImageRejectedException e)
        {
            result.Error = e.Message;
            return result;
        }

        var seg = Segmenter.Segment(gray, options.Binarization);
        if (seg.Symbols.Count == 0)
        {
            result.Error = $"{name}: no writing found in the image";
            return result;
        }
        if (seg.Symbols.Count > 200)
        {
            result.Error = $"{name}: {seg.Symbols.Count} separate marks found; this does not look like one equation (is the photo noisy or of a whole page?)";
            return result;
        }
        var symbolsFound = seg.Symbols.ToList();
        var predictions = recognizer.Classify(symbolsFound.Select(s => s.Crop).ToList());
        MergeWhereOneSymbolReadsBetter(symbolsFound, predictions, seg.Mask.Width);
        seg = seg with { Symbols = symbolsFound };
        result.Symbols = seg.Symbols.Select((s, i) => new SymbolInfo(new SymbolBox(s.Box.X, s.Box.Y, s.Box.Width, s.Box.Height),
            predictions[i].Label, TokenBuilder.Text(predictions[i].Label), predictions[i].Confidence, s.Superscript, predictions[i].Alternatives)).ToList();
        if (options.DebugDirectory is not null) DebugImages.Write(options.DebugDirectory, gray, seg, predictions);

        var superscript = seg.Symbols.Select(s => s.Superscript).ToList();
        Exception? firstError = null;
        foreach (var (labels, changed) in Candidates(predictions))
        {
            try
            {
                var statement = Parser.Parse(TokenBuilder.Build(labels, superscript), "symbol");
                var solution = EquationSolver.Solve(statement);
                Fill(result, statement, solution);
                result.Corrected = changed;
                for (int i = 0; i < labels.Count; i++)
                    if (labels[i] != result.Symbols[i].Label) result.Symbols[i] = result.Symbols[i] with { Label = labels[i], Text = TokenBuilder.Text(labels[i]) };
                return result;
            }
            catch (Exception e) when (e is ParseException or AlgebraException or DivideByZeroException)
            {
                firstError ??= e;
            }
        }
        result.Equation = string.Concat(result.Symbols.Select(s => (s.Superscript ? "^" : "") + s.Text));
        result.Error = firstError switch
        {
            ParseException p => $"could not read the equation '{result.Equation}': {p.Message}",
            AlgebraException a => $"read '{result.Equation}' but cannot solve it: {a.Message}",
            _ => $"read '{result.Equation}' but cannot solve it: {firstError?.Message}",
        };
        return result;
    }

    /// <summary>Symbols people write with strokes that need not touch, side by side: only these are merged by reading.</summary>
    private static readonly HashSet<string> TwoStrokeSymbols = ["x", "times", "+", "4", "5", "7", "k", "t", "f", "pi", "X_cap", "H_cap", "K_cap"];

    /// <summary>
    /// Two close neighbours become one symbol when the recognizer is clearly more sure of them together than of
    /// either part (an x written as two arcs, a + whose bars do not touch). One batch for all candidate pairs.
    /// </summary>
    private void MergeWhereOneSymbolReadsBetter(List<SegmentedSymbol> symbols, List<Prediction> predictions, int maskWidth)
    {
        var pairs = Enumerable.Range(0, symbols.Count - 1).Where(i => Segmenter.MightBeOneSymbol(symbols[i], symbols[i + 1])).ToList();
        if (pairs.Count == 0) return;
        var merged = pairs.Select(i => Segmenter.Merge(symbols[i], symbols[i + 1], maskWidth)).ToList();
        var mergedPredictions = recognizer.Classify(merged.Select(m => m.Crop).ToList());
        // Most confident merges first; a symbol takes part in at most one merge.
        var taken = new HashSet<int>();
        var chosen = new List<int>();
        foreach (int k in Enumerable.Range(0, pairs.Count).OrderByDescending(k => mergedPredictions[k].Confidence))
        {
            int i = pairs[k];
            var together = mergedPredictions[k];
            if (taken.Contains(i) || taken.Contains(i + 1)) continue;
            if (!TwoStrokeSymbols.Contains(together.Label)) continue;
            // Conservative: the merged reading must beat the better part clearly. (Comparing against the product of
            // the parts' confidences merged "3(" into an x on our own examples.)
            if (together.Confidence < Math.Max(predictions[i].Confidence, predictions[i + 1].Confidence) + 0.1 || together.Confidence < 0.6) continue;
            taken.Add(i); taken.Add(i + 1);
            chosen.Add(k);
        }
        foreach (int k in chosen.OrderByDescending(k => pairs[k]))
        {
            int i = pairs[k];
            symbols[i] = merged[k];
            predictions[i] = mergedPredictions[k];
            symbols.RemoveAt(i + 1);
            predictions.RemoveAt(i + 1);
        }
    }

    private static void Fill(ReadResult r, Statement s, Solution solution)
    {
        r.Equation = ExprFormat.Text(s);
        r.Latex = ExprFormat.Latex(s);
        r.Variable = solution.Variable;
        r.Kind = solution.Kind switch
        {
            SolutionKind.Roots => "roots",
            SolutionKind.Value => "value",
            SolutionKind.NoSolution => "no_solution",
            _ => "all_values",
        };
        r.Solutions = solution.Solutions;
        r.Value = solution.Value;
        r.Message = solution.Message;
        r.Steps = solution.Steps;
    }

    /// <summary>
    /// Label sequences to try, most likely first: the top labels, then one uncertain symbol swapped for an
    /// alternative, then two; at most 200 candidates.
    /// </summary>
    private static IEnumerable<(List<string> Labels, List<int> Changed)> Candidates(IReadOnlyList<Prediction> predictions)
    {
        var top = predictions.Select(p => p.Label).ToList();
        yield return (top, []);
        var swaps = new List<(int Index, string Label, double Cost)>();
        for (int i = 0; i < predictions.Count; i++)
            foreach (var alt in predictions[i].Alternatives.Skip(1))
                if (alt.Confidence > 0.01) swaps.Add((i, alt.Label, Math.Log(predictions[i].Confidence) - Math.Log(alt.Confidence)));
        var options = swaps.Select(s => (Changes: new[] { s }, s.Cost))
            .Concat(swaps.SelectMany((a, i) => swaps.Skip(i + 1).Where(b => b.Index != a.Index).Select(b => (Changes: new[] { a, b }, Cost: a.Cost + b.Cost))))
            .OrderBy(o => o.Cost).Take(200);
        foreach (var (changes, _) in options)
        {
            var labels = top.ToList();
            foreach (var c in changes) labels[c.Index] = c.Label;
            yield return (labels, changes.Select(c => c.Index).Order().ToList());
        }
    }

    public void Dispose() => recognizer.Dispose();
}
