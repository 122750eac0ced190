using Solver.Inference.Imaging;

namespace Solver.Inference.Reading;

/// <summary>One way to read the image: which neighbours were joined, every symbol's label, and how likely it is.</summary>
public sealed record Interpretation(List<SegmentedSymbol> Symbols, List<Prediction> Predictions, List<string> Labels, List<int> Changed, double Score);

/// <summary>
/// Reading as a search instead of a chain of hard decisions. Segmentation is ambiguous (an x written as two arcs is
/// two components; so are "3(" ), and so are labels (x, times and 2 look alike). Every combination of
/// (a) joining close neighbours or not and (b) each symbol's label among its top alternatives gets a score:
///   sum of log P(label) from the recognizer
///   - <see cref="JoinCostFor"/> per join (two parts read as one symbol; less for parts that touch),
///   - <see cref="NoVariablePenalty"/> for an equation with '=' but no unknown,
///   - <see cref="NoEqualsPenalty"/> for letters with no '=',
///   - <see cref="TimesBesideXPenalty"/> for a '×' beside the unknown x,
///   - <see cref="AdjacentLettersPenalty"/> for two letters side by side (7z read as zz),
///   - <see cref="UnitCoefficientPenalty"/> for a lone 1 written before a letter (11 read as 1z),
///   - <see cref="NumericPowerPenalty"/> for a raised exponent on a number in an equation with an unknown (x² read as 20²),
///   - <see cref="HighMinusPenalty"/> for a minus drawn at the top of a taller neighbour (a 5's flag drawn apart),
///   - <see cref="UnitExponentPenalty"/> for an exponent 1 (x¹, a raised 2 misread),
///   - <see cref="HighExponentPenalty"/> for an exponent 0 or 5 to 9 (x⁷: a raised 2 misread, or a digit read as one),
///   - <see cref="LeadingPlusPenalty"/> for a '+' that opens a side or follows another operator (+x+1, 2×+4),
///   - <see cref="MinusAfterOperatorPenalty"/> for a '-' right after '+' or '-' (8x+2--14: an '=' whose bars ran together),
///   - <see cref="ZeroTermPenalty"/> for a term that is a lone 0 added or taken away (x²-4-0: "=0" whose bars ran together),
///   - <see cref="ShortDigitPenalty"/> for a digit on the line shorter than <see cref="ShortDigitHeight"/> of the line before a
///     letter or another short digit (the two arcs of an x drawn apart, read as "0x" or "20"),
///   - <see cref="FullSizeExponentPenalty"/> for a digit as tall as the line taken as a dropped exponent (22 read as z²),
/// and the reader tries readings best first until one parses and solves (when none does, a widened search weighs the
/// labels the first one leaves out: <see cref="Readings"/>). The priors encode what people photograph: an
/// equation in one unknown. The weights were chosen on composed equations of seed 2 and reported on seed 1
/// (docs/results.md).
/// </summary>
public static partial class ReadingSearch
{
    /// <summary>
    /// Log-probability cost of each join of parts apart (see <see cref="JoinCostFor"/> for parts that touch): two parts
    /// become one symbol only when the recognizer is clearly surer of them together. Measured on seed 2, as the cost of
    /// every join (linear solved): credit 0.5 gave 64%, 0 gave 73%, cost 0.5 78%, cost 1.5 80%, cost 3 80%, no joins
    /// unless nothing else reads 77%.
    /// </summary>
    public const double JoinCost = 1.5;
    /// <summary>
    /// Cost of joining parts that touch or overlap side by side (an x drawn as two arcs back to back, read apart as "2x"):
    /// the cost rises linearly from this to <see cref="JoinCost"/> at a gap of <see cref="JoinCostGap"/> of their height.
    /// Seed 2 with the shipped recognizer: 0.5 took linear 90.5% -> 91.0% and quadratic 86.0% -> 88.5% (photographed,
    /// 89.0% -> 89.5% and 81.5% -> 83.0%); 1.0 gave 91.0% / 87.5%, 0 the same as 0.5, a ramp to 0.2 of the height the same.
    /// </summary>
    public const double TouchingJoinCost = 0.5;
    public const double JoinCostGap = 0.1;

    /// <summary>The cost of reading neighbours <paramref name="a"/> and <paramref name="b"/> (left to right) as one symbol.</summary>
    public static double JoinCostFor(Box a, Box b)
    {
        int gap = b.X - a.Right;
        double t = Math.Clamp(gap / (JoinCostGap * Math.Max(a.Height, b.Height)), 0, 1);
        return TouchingJoinCost + t * (JoinCost - TouchingJoinCost);
    }

    private const int MaxJoinCandidates = 8;
    private const int MaxReadings = 400;

    /// <summary>
    /// Symbols people write with strokes that need not touch, side by side (and a 5 whose flag is drawn apart): only these
    /// may be joined. A 4 only from two upright parts (its open L and its stem, read apart as "41" or "11"), never from a
    /// stem and a flat bar: that is the "12" of "-12" whose 2 is read as a crossbar.
    /// </summary>
    private static readonly HashSet<string> JoinableLabels = ["x", "times", "+", "=", "div", "k", "pi", "X_cap", "H_cap", "K_cap", "5", "4"];

    /// <summary>
    /// The widest a joined symbol other than '=' or '÷' may be, as a multiple of the line's height
    /// (<see cref="LineHeight"/>): a digit and the letter after it, joined, are about twice as wide as the line is high,
    /// and their crop squeezed into 45x45 can look like an x (composed seeds 13 and 15: "4z", "5z", "2z", "6z" and "8y"
    /// read as one x). The joined box's own shape does not tell them apart: the composer's lower-case x, drawn small, is
    /// as wide against its own height.
    /// </summary>
    public const double MaxJoinedWidth = 1.6;

    /// <summary>
    /// Whether neighbours <paramref name="a"/> and <paramref name="b"/> may be read together as <paramref name="label"/>:
    /// no wider than <see cref="MaxJoinedWidth"/> line heights, and a <see cref="JoinableLabels"/> label on one level (a
    /// 4 only from two upright parts), or any digit from two parts whose boxes reach well into each other
    /// (<see cref="Segmenter.Interlocked"/>: a 9's loop and its stem drawn apart, read as "01"); a 7 or a y from its top
    /// stroke or left arm drawn apart (<see cref="Segmenter.IsDetachedTopStroke"/>), on the line or raised, and nothing
    /// else of such a pair but a 4 or an interlocked digit; across the line only a 7 or a y, or a 4 from its raised L
    /// (<see cref="Segmenter.IsRaisedHalfOfFour"/>).
    /// </summary>
    private static bool MayJoinAs(string label, SegmentedSymbol a, SegmentedSymbol b, double lineHeight)
    {
        if (a.Superscript != b.Superscript) return label is "7" or "y" || (label == "4" && Segmenter.IsRaisedHalfOfFour(a.Box, b.Box));
        if (label is not ("=" or "div") && a.Box.Union(b.Box).Width > MaxJoinedWidth * lineHeight) return false;
        bool topStroke = Segmenter.IsDetachedTopStroke(a.Box, b.Box);
        if (label is "7" or "y" && topStroke) return true;
        if (label == "4") return Segmenter.Upright(a.Box) && Segmenter.Upright(b.Box);
        if (TokenBuilder.IsDigit(label) && Segmenter.Interlocked(a.Box, b.Box)) return true;
        return !topStroke && JoinableLabels.Contains(label);
    }

    /// <summary>
    /// Every reading the reader may try, best first: those of the first search, then, if the caller reads on (none of
    /// them parsed and solved), those of the widened search. The joined crops are recognized once for both.
    /// </summary>
    /// <param name="classifyJoined">Recognizes the crops of joined pairs (one batch).</param>
    public static IEnumerable<Interpretation> Readings(IReadOnlyList<SegmentedSymbol> symbols, IReadOnlyList<Prediction> predictions, int maskWidth,
        Func<IReadOnlyList<byte[]>, List<Prediction>> classifyJoined)
    {
        var segmentations = Segmentations(symbols, predictions, maskWidth, classifyJoined);
        foreach (var reading in Rank(segmentations, widened: false)) yield return reading;
        foreach (var reading in Rank(segmentations, widened: true)) yield return reading;
    }

    /// <param name="classifyJoined">Recognizes the crops of joined pairs (one batch).</param>
    /// <param name="widened">
    /// The second search, for when no reading of the first parses and solves: only readings that take at least one
    /// label the first search leaves out (ranked below <see cref="Alternatives"/>, or less likely than
    /// <see cref="MinAlternative"/>, down to <see cref="MinWideAlternative"/>).
    /// </param>
    public static List<Interpretation> Interpretations(IReadOnlyList<SegmentedSymbol> symbols, IReadOnlyList<Prediction> predictions, int maskWidth,
        Func<IReadOnlyList<byte[]>, List<Prediction>> classifyJoined, bool widened = false) =>
        Rank(Segmentations(symbols, predictions, maskWidth, classifyJoined), widened);

    /// <summary>Each way of joining neighbours: its symbols, their predictions and the cost of its joins.</summary>
    private static List<(List<SegmentedSymbol> Symbols, List<Prediction> Predictions, double JoinCost)> Segmentations(
        IReadOnlyList<SegmentedSymbol> symbols, IReadOnlyList<Prediction> predictions, int maskWidth, Func<IReadOnlyList<byte[]>, List<Prediction>> classifyJoined)
    {
        var pairs = Enumerable.Range(0, symbols.Count - 1).Where(i => Segmenter.MightBeOneSymbol(symbols[i], symbols[i + 1])).ToList();
        var joined = pairs.Select(i => Segmenter.Merge(symbols[i], symbols[i + 1], maskWidth)).ToList();
        var joinedPredictions = joined.Count > 0 ? classifyJoined(joined.Select(m => m.Crop).ToList()) : [];
        double lineHeight = LineHeight(symbols);
        // Keep the joins the recognizer finds plausible, most promising first.
        var options = Enumerable.Range(0, pairs.Count)
            .Where(k => MayJoinAs(joinedPredictions[k].Label, symbols[pairs[k]], symbols[pairs[k] + 1], lineHeight))
            .OrderByDescending(k => LogP(joinedPredictions[k].Confidence) - LogP(predictions[pairs[k]].Confidence) - LogP(predictions[pairs[k] + 1].Confidence))
            .Take(MaxJoinCandidates).ToList();

        var result = new List<(List<SegmentedSymbol>, List<Prediction>, double)>();
        foreach (var chosen in Subsets(options, k => pairs[k]))
        {
            var syms = symbols.ToList();
            var preds = predictions.ToList();
            foreach (int k in chosen.OrderByDescending(k => pairs[k]))
            {
                int i = pairs[k];
                syms[i] = joined[k];
                preds[i] = joinedPredictions[k];
                syms.RemoveAt(i + 1);
                preds.RemoveAt(i + 1);
            }
            result.Add((syms, preds, chosen.Sum(k => JoinCostFor(symbols[pairs[k]].Box, symbols[pairs[k] + 1].Box))));
        }
        return result;
    }

    /// <summary>
    /// The height of the tallest symbol on the line that is not a bar. Not the median: an equation of small letters
    /// ("x^2+5x=0") has a median no taller than its x, which would forbid joining that x's two arcs (composed seed 13).
    /// </summary>
    public static double LineHeight(IReadOnlyList<SegmentedSymbol> symbols)
    {
        var upright = symbols.Where(s => !s.Superscript && !Segmenter.Flat(s.Box)).ToList();
        return (upright.Count > 0 ? upright : symbols).Select(s => s.Box.Height).DefaultIfEmpty(0).Max();
    }

    /// <summary>The readings of every segmentation, scored, best first (at most <see cref="MaxReadings"/>).</summary>
    private static List<Interpretation> Rank(List<(List<SegmentedSymbol> Symbols, List<Prediction> Predictions, double JoinCost)> segmentations, bool widened)
    {
        var readings = new List<Interpretation>();
        foreach (var (syms, preds, joinCost) in segmentations)
        {
            double lineHeight = LineHeight(syms);
            var superscript = syms.Select(x => x.Superscript).ToList();
            foreach (var (labels, changed, logP) in LabelChoices(preds, widened))
            {
                var exponent = TokenBuilder.Exponents(labels, superscript);
                readings.Add(new Interpretation(syms, preds, labels, changed,
                    logP - joinCost - StructureCost(labels, superscript, exponent) - HighMinusCost(labels, syms)
                    - ShortDigitCost(labels, syms, lineHeight) - FullSizeExponentCost(labels, syms, exponent, lineHeight)));
            }
        }
        return readings.OrderByDescending(r => r.Score).Take(MaxReadings).ToList();
    }

    private static double LogP(double p) => Math.Log(Math.Max(p, 1e-6));

    /// <summary>Every set of joins in which no symbol takes part twice (pairs i and i+1 overlap).</summary>
    private static IEnumerable<List<int>> Subsets(List<int> options, Func<int, int> start)
    {
        var current = new List<int>();
        IEnumerable<List<int>> Walk(int from)
        {
            yield return current.ToList();
            for (int j = from; j < options.Count; j++)
            {
                int s = start(options[j]);
                if (current.Any(c => Math.Abs(start(c) - s) < 2)) continue;
                current.Add(options[j]);
                foreach (var r in Walk(j + 1)) yield return r;
                current.RemoveAt(current.Count - 1);
            }
        }
        return Walk(0);
    }

    /// <summary>How many labels of each symbol the first search weighs (its best and two alternatives).</summary>
    public const int Alternatives = 3;
    /// <summary>The least probability of an alternative the first search weighs.</summary>
    public const double MinAlternative = 0.005;
    /// <summary>The least probability of an alternative the widened search weighs.</summary>
    public const double MinWideAlternative = 1e-4;

    /// <summary>
    /// Label sequences with their log-probability: the top labels, then one or two symbols swapped for an alternative,
    /// most likely first (at most 200 per segmentation). Widened: only sequences with at least one swap the first
    /// search does not make.
    /// </summary>
    private static IEnumerable<(List<string> Labels, List<int> Changed, double LogP)> LabelChoices(IReadOnlyList<Prediction> predictions, bool widened)
    {
        var top = predictions.Select(p => p.Label).ToList();
        double best = predictions.Sum(p => LogP(p.Confidence));
        if (!widened) yield return (top, [], best);
        var swaps = new List<(int Index, string Label, double Cost, bool Wide)>();
        for (int i = 0; i < predictions.Count; i++)
            foreach (var (alt, rank) in predictions[i].Alternatives.Select((a, r) => (a, r)).Skip(1))
            {
                // A '-' may always be an '=' whose bars ran together: see MinusAfterOperatorPenalty.
                bool equalsForMinus = predictions[i].Label == "-" && alt.Label == "=";
                bool wide = !equalsForMinus && (rank >= Alternatives || alt.Confidence <= MinAlternative);
                if ((wide && !widened) || alt.Confidence <= MinWideAlternative) continue;
                swaps.Add((i, alt.Label, LogP(predictions[i].Confidence) - LogP(alt.Confidence), wide));
            }
        var options = swaps.Select(s => (Changes: new[] { s }, s.Cost))
            .Concat(swaps.SelectMany((a, i) => swaps.Skip(i + 1).Where(b => b.Index != a.Index).Select(b => (Changes: new[] { a, b }, Cost: a.Cost + b.Cost))))
            .Where(o => !widened || o.Changes.Any(c => c.Wide))
            .OrderBy(o => o.Cost).Take(199);
        foreach (var (changes, cost) in options)
        {
            var labels = top.ToList();
            foreach (var c in changes) labels[c.Index] = c.Label;
            yield return (labels, changes.Select(c => c.Index).Order().ToList(), best - cost);
        }
    }
}
