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
/// tokens, parse and solve. Joins of neighbouring parts and lower-ranked labels are weighed together
/// (<see cref="ReadingSearch"/>), and readings are tried most likely first until one solves.
/// </summary>
public sealed class EquationReader(SymbolRecognizer recognizer) : IDisposable
{
    /// <summary>Images are analysed at most this large on their longer side; photos are scaled down first.</summary>
    public const int WorkingSide = 2000;

    /// <param name="weightsPath">One weights file, or several separated by commas: an ensemble whose probabilities are averaged.</param>
    public static EquationReader Open(string weightsPath, ComputeDevice device) =>
        new(new SymbolRecognizer(WeightsList.Load(weightsPath), device));

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
        var predictions = recognizer.Classify(seg.Symbols.Select(s => s.Crop).ToList());
        var readings = ReadingSearch.Readings(seg.Symbols, predictions, seg.Mask.Width, recognizer.Classify);
        var (chosen, mostLikely, firstError) = FirstThatSolves(readings);
        if (chosen is { } c)
        {
            Describe(result, c.Reading, options, gray, seg);
            Fill(result, c.Statement, c.Solution);
            return result;
        }
        // Nothing reads: report the most likely reading and why it fails.
        Describe(result, mostLikely!, options, gray, seg);
        result.Equation = string.Concat(result.Symbols.Select(s => (s.Superscript ? "^" : "") + s.Text));
        result.Error = firstError switch
        {
            ParseException p => $"could not read the equation '{result.Equation}': {p.Message}",
            AlgebraException a => $"read '{result.Equation}' but cannot solve it: {a.Message}",
            _ => $"read '{result.Equation}' but cannot solve it: {firstError?.Message}",
        };
        return result;
    }

    /// <summary>
    /// How much less likely (in log-probability) a reading tried after an unlikely answer may be: a bound, so that a
    /// reading far down the list does not replace what was written. Composed seed 9: both false sums mended at 2, 3, 5
    /// and 100.
    /// </summary>
    public const double UnlikelyAnswerMargin = 3.0;

    /// <summary>
    /// Answers people seldom photograph, which a misread symbol often makes: a false statement with no unknown
    /// ("32+2=-16" for "3z+2=-16", composed seed 9), an equation that holds for no value or for every value of its
    /// unknown ("0z+16=21" for "5z+16=21"), and one with no real root ("z^2+9=-1" for "2z+9=-1", seed 13). A true
    /// statement with no unknown ("2+2=4") is an answer.
    /// </summary>
    public static bool IsUnlikelyAnswer(Solution solution) => solution.Variable is null
        ? solution.Kind == SolutionKind.NoSolution
        : solution.Kind is SolutionKind.NoSolution or SolutionKind.AllValues || solution.OnlyComplexRoots;

    /// <summary>
    /// The first reading, best first, that parses and solves; the most likely reading and the first error, for when none
    /// does. An unlikely answer (<see cref="IsUnlikelyAnswer"/>) does not end the search: a symbol misread is likelier
    /// than a photo of it, so the next readings are tried, and it stands only if none of them within
    /// <see cref="UnlikelyAnswerMargin"/> gives a likely one.
    /// </summary>
    public static ((Interpretation Reading, Statement Statement, Solution Solution)? Chosen, Interpretation? MostLikely, Exception? FirstError)
        FirstThatSolves(IEnumerable<Interpretation> readings)
    {
        Interpretation? mostLikely = null;
        Exception? firstError = null;
        (Interpretation, Statement, Solution)? unlikely = null;
        foreach (var reading in readings)
        {
            mostLikely ??= reading;
            if (unlikely is { } u && reading.Score < u.Item1.Score - UnlikelyAnswerMargin) break;
            try
            {
                var superscript = reading.Symbols.Select(s => s.Superscript).ToList();
                var statement = Parser.Parse(TokenBuilder.Build(reading.Labels, superscript), "symbol");
                var solution = EquationSolver.Solve(statement);
                if (IsUnlikelyAnswer(solution))
                {
                    unlikely ??= (reading, statement, solution);
                    continue;
                }
                return ((reading, statement, solution), mostLikely, firstError);
            }
            catch (Exception e) when (e is ParseException or AlgebraException or DivideByZeroException)
            {
                firstError ??= e;
            }
        }
        return (unlikely, mostLikely, firstError);
    }

    /// <summary>The symbols of the chosen reading, with the recognizer's own ranking kept beside any corrected label.</summary>
    private static void Describe(ReadResult result, Interpretation reading, ReadOptions options, GrayImage gray, Segmentation seg)
    {
        result.Symbols = reading.Symbols.Select((s, i) => new SymbolInfo(new SymbolBox(s.Box.X, s.Box.Y, s.Box.Width, s.Box.Height),
            reading.Labels[i], TokenBuilder.Text(reading.Labels[i]), reading.Predictions[i].Confidence, s.Superscript,
            reading.Predictions[i].Alternatives.Take(ReadingSearch.Alternatives).ToList())).ToList();
        result.Corrected = reading.Changed;
        if (options.DebugDirectory is not null) DebugImages.Write(options.DebugDirectory, gray, seg with { Symbols = reading.Symbols }, reading.Predictions);
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

    public void Dispose() => recognizer.Dispose();
}
