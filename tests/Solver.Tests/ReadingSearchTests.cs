using Solver.Inference.Algebra;
using Solver.Inference.Imaging;
using Solver.Inference.Reading;

namespace Solver.Tests;

/// <summary>The reader's search over joins and labels, on made-up recognizer answers (no weights needed).</summary>
public class ReadingSearchTests
{
    private const int MaskWidth = 60;

    /// <summary>A solid rectangle of ink as a segmented symbol.</summary>
    private static SegmentedSymbol Bar(int x, int y, int w, int h)
    {
        var pixels = new List<int>();
        for (int r = y; r < y + h; r++) for (int c = x; c < x + w; c++) pixels.Add(r * MaskWidth + c);
        var part = new Component(new Box(x, y, w, h), pixels);
        return new SegmentedSymbol(part.Box, CropNormalizer.Normalize(part, MaskWidth), false) { Part = part };
    }

    private static Prediction P(string label, double p, string alt = "1", double altP = 0.0) =>
        new(label, p, altP > 0 ? [new Alternative(label, p), new Alternative(alt, altP)] : [new Alternative(label, p)]);

    private static Func<IReadOnlyList<byte[]>, List<Prediction>> Joined(Prediction answer) => crops => crops.Select(_ => answer).ToList();

    // Two arcs side by side, close and of one height: the shape of an x written as ")(".
    private static readonly SegmentedSymbol[] Arcs = [Bar(10, 10, 6, 20), Bar(18, 10, 6, 20)];

    [Fact]
    public void Two_parts_are_joined_when_the_recognizer_is_clearly_surer_of_them_together()
    {
        // Joined, log P = ln 0.98 - JoinCost = -1.52; apart, ln 0.3 + ln 0.3 = -2.41.
        var best = ReadingSearch.Interpretations(Arcs, [P(")", 0.3), P("(", 0.3)], MaskWidth, Joined(P("times", 0.98)))[0];
        Assert.Equal(["times"], best.Labels);
        Assert.Single(best.Symbols);
        Assert.Equal(new Box(10, 10, 14, 20), best.Symbols[0].Box);
    }

    [Fact]
    public void Arcs_that_touch_join_more_readily_than_arcs_apart()
    {
        // An x drawn as two arcs back to back, each read on its own as "2" (0.50) and "x" (0.54): ln .50 + ln .54 = -1.31.
        // Touching, the join costs TouchingJoinCost: ln .95 - 0.5 = -0.55, so one x. A gap of a tenth of the height or
        // more costs the full JoinCost: ln .95 - 1.5 = -1.55, so "2x" stays.
        SegmentedSymbol[] touching = [Bar(10, 10, 6, 20), Bar(16, 10, 6, 20)];
        var read = new[] { P("2", 0.50), P("x", 0.54) };
        Assert.Equal(["x"], ReadingSearch.Interpretations(touching, read, MaskWidth, Joined(P("x", 0.95)))[0].Labels);
        Assert.Equal(["2", "x"], ReadingSearch.Interpretations(Arcs, read, MaskWidth, Joined(P("x", 0.95)))[0].Labels);
        Assert.Equal(ReadingSearch.TouchingJoinCost, ReadingSearch.JoinCostFor(touching[0].Box, touching[1].Box));
        Assert.Equal(ReadingSearch.JoinCost, ReadingSearch.JoinCostFor(Arcs[0].Box, Arcs[1].Box));
    }

    [Fact]
    public void Confident_parts_stay_apart()
    {
        var best = ReadingSearch.Interpretations(Arcs, [P("1", 0.97), P("1", 0.97)], MaskWidth, Joined(P("times", 0.9)))[0];
        Assert.Equal(["1", "1"], best.Labels);
    }

    [Fact]
    public void Only_symbols_drawn_in_separate_strokes_are_joined()
    {
        // Even a confident "8" from two parts is not a join: a 1 and an 8 side by side are "18".
        var best = ReadingSearch.Interpretations(Arcs, [P("1", 0.4), P("8", 0.4)], MaskWidth, Joined(P("8", 0.999)))[0];
        Assert.Equal(["1", "8"], best.Labels);
    }

    [Fact]
    public void A_7_whose_top_stroke_was_taken_for_an_exponent_is_joined_back_onto_the_line()
    {
        // Composed seed 6, photographed: "17" read as "1^11", the 7's short top stroke marked raised.
        var top = Bar(10, 2, 2, 10) with { Superscript = true };
        var stem = Bar(12, 3, 3, 20);
        Assert.True(Segmenter.MightBeOneSymbol(top, stem));
        Assert.False(Segmenter.MightBeOneSymbol(stem, top with { Box = new Box(16, 2, 2, 10) })); // an exponent after its base
        var best = ReadingSearch.Interpretations([top, stem], [P("1", 0.65), P("1", 0.79)], MaskWidth, Joined(P("7", 0.9)))[0];
        Assert.Equal(["7"], best.Labels);
        Assert.False(best.Symbols[0].Superscript);
        // Across the line only a 7 or a y comes of it: an exponent is not swallowed into an x.
        best = ReadingSearch.Interpretations([top, stem], [P("1", 0.65), P("1", 0.79)], MaskWidth, Joined(P("x", 0.99)))[0];
        Assert.Equal(["1", "1"], best.Labels);
    }

    [Fact]
    public void A_y_whose_left_arm_is_drawn_apart_on_the_line_is_joined()
    {
        // Composed seed 13, photographed (boxes a quarter of the size): "4y+15=-21" read as "411+15=-21", the y's short
        // left arm (1 at 0.78) apart from its long stroke ('/' at 0.72, 1 at 0.23), their tops level.
        SegmentedSymbol[] parts = [Bar(8, 5, 10, 18), Bar(23, 8, 5, 10), Bar(27, 10, 9, 15), Bar(40, 14, 8, 6), Bar(51, 6, 6, 16)];
        Prediction[] read = [P("4", 0.999), P("1", 0.78, "(", 0.19), P("forward_slash", 0.72, "1", 0.23), P("=", 0.99), P("8", 0.99)];
        Assert.True(Segmenter.MightBeOneSymbol(parts[1], parts[2]));
        Assert.Equal(["4", "y", "=", "8"], ReadingSearch.Interpretations(parts, read, MaskWidth, Joined(P("y", 0.95)))[0].Labels);
        // Such a pair becomes only a 7 or a y: not an x, which is drawn with arcs of one height.
        Assert.Equal(5, ReadingSearch.Interpretations(parts, read, MaskWidth, Joined(P("x", 0.99)))[0].Labels.Count);
    }

    [Fact]
    public void A_4_whose_open_L_was_taken_for_an_exponent_is_joined_back_onto_the_line()
    {
        // Composed seed 13, photographed (boxes a quarter of the size): "41" read as "^411", the 4's L raised (4 at
        // 0.28, x at 0.27) and reaching into its stem's box.
        var l = Bar(10, 6, 7, 13) with { Superscript = true };
        var stem = Bar(16, 8, 4, 17);
        Assert.True(Segmenter.MightBeOneSymbol(l, stem));
        Assert.False(Segmenter.MightBeOneSymbol(l with { Box = new Box(8, 6, 7, 13) }, stem)); // an exponent ends before the next symbol
        var best = ReadingSearch.Interpretations([l, stem], [P("4", 0.28), P("1", 0.82)], MaskWidth, Joined(P("4", 0.9)))[0];
        Assert.Equal(["4"], best.Labels);
        Assert.False(best.Symbols[0].Superscript);
        // Nothing but a 4 comes of such a pair across the line.
        best = ReadingSearch.Interpretations([l, stem], [P("4", 0.28), P("1", 0.82)], MaskWidth, Joined(P("x", 0.99)))[0];
        Assert.Equal(2, best.Labels.Count);
    }

    [Fact]
    public void A_digit_and_the_letter_after_it_are_not_joined_into_one_x_twice_the_line_height_wide()
    {
        // Composed seed 13: "5z+1=11" read as "x+1=11", the 5 and the z joined into an x 1.9 line heights wide (here 1.8).
        SegmentedSymbol[] line = [Bar(6, 10, 13, 15), Bar(20, 11, 13, 14), Bar(34, 12, 8, 12), Bar(45, 10, 4, 15)];
        Assert.True(Segmenter.MightBeOneSymbol(line[0], line[1]));
        Assert.Equal(15, ReadingSearch.LineHeight(line));
        Prediction[] read = [P("5", 0.4), P("z", 0.4), P("+", 0.99), P("1", 0.99)];
        Assert.Equal(["5", "z", "+", "1"], ReadingSearch.Interpretations(line, read, MaskWidth, Joined(P("x", 0.99)))[0].Labels);
        // A small x drawn as two arcs, wider than tall but narrower than the line is high, is still joined.
        SegmentedSymbol[] smallX = [Bar(6, 14, 9, 10), Bar(16, 14, 9, 10), Bar(28, 10, 8, 15), Bar(40, 10, 4, 15)];
        Prediction[] arcs = [P("3", 0.4), P("c", 0.4), P("+", 0.99), P("1", 0.99)];
        Assert.Equal(["x", "+", "1"], ReadingSearch.Interpretations(smallX, arcs, MaskWidth, Joined(P("x", 0.99)))[0].Labels);
    }

    [Fact]
    public void The_arcs_of_an_x_drawn_apart_are_not_read_as_a_digit_half_the_height_of_the_line()
    {
        // Composed seed 22, photographed: "5x+12=57" read as "50x+12=57", the x's left arc read as 0 (0.94) and its right
        // arc, a c, as x (0.81). Apart: ln .94 + ln .8 = -0.28 against the join's ln .95 - JoinCost = -1.55; the 0 is
        // half as tall as the 5, so it costs ShortDigitPenalty as well (-2.28) and the x is read whole.
        SegmentedSymbol[] line = [Bar(2, 10, 8, 20), Bar(12, 20, 6, 10), Bar(19, 20, 6, 10), Bar(30, 15, 8, 8), Bar(42, 10, 3, 20)];
        Assert.True(Segmenter.MightBeOneSymbol(line[1], line[2]));
        Assert.Equal(ReadingSearch.JoinCost, ReadingSearch.JoinCostFor(line[1].Box, line[2].Box));
        Prediction[] read = [P("5", 0.99), P("0", 0.94, "2", 0.03), P("x", 0.8, "0", 0.15), P("+", 0.99), P("1", 0.99)];
        Assert.Equal(["5", "x", "+", "1"], ReadingSearch.Interpretations(line, read, MaskWidth, Joined(P("x", 0.95)))[0].Labels);

        // A digit at the line's height costs nothing, nor does a short one raised, nor one before an operator (the 2 of
        // "=12" drawn small); before a letter or another short digit ("20" for the same arcs) it costs the penalty.
        var shortDigit = line[1];
        var raised = shortDigit with { Superscript = true };
        Assert.Equal(0, ReadingSearch.ShortDigitCost(["5", "1"], [line[0], line[4]], 20));
        Assert.Equal(0, ReadingSearch.ShortDigitCost(["2", "x"], [raised, line[2]], 20));
        Assert.Equal(ReadingSearch.ShortDigitPenalty, ReadingSearch.ShortDigitCost(["5", "0", "x"], [line[0], shortDigit, line[2]], 20));
        Assert.Equal(ReadingSearch.ShortDigitPenalty, ReadingSearch.ShortDigitCost(["5", "2", "0"], [line[0], shortDigit, line[2]], 20));
        Assert.Equal(0, ReadingSearch.ShortDigitCost(["5", "0", "+"], [line[0], shortDigit, line[3]], 20));
        Assert.Equal(0, ReadingSearch.ShortDigitCost(["5", "0", "x"], [line[0], shortDigit, line[2]], 15));
        Prediction[] lone = [P("5", 0.99), P("0", 0.6, "6", 0.3), P("+", 0.99), P("1", 0.99)];
        SegmentedSymbol[] noPair = [line[0], line[1], line[3], line[4]];
        Assert.Equal(["5", "0", "+", "1"], ReadingSearch.Interpretations(noPair, lone, MaskWidth, Joined(P("x", 0.95)))[0].Labels);
    }

    [Fact]
    public void A_digit_as_tall_as_the_line_after_a_letter_is_not_taken_for_a_dropped_exponent()
    {
        // Composed seed 21: "2z+14=22" read as "2z+14=z^2", the first 2 of 22 read as z (0.7) and the second taken as its
        // exponent. Full size, that exponent costs FullSizeExponentPenalty: ln .7 - 2 = -2.36 against "22", ln .3 = -1.20.
        SegmentedSymbol[] line = [Bar(2, 10, 8, 20), Bar(13, 16, 8, 14), Bar(24, 18, 8, 3), Bar(35, 10, 8, 20), Bar(46, 10, 8, 20)];
        Prediction[] read = [P("2", 0.99), P("z", 0.99), P("=", 0.99), P("z", 0.7, "2", 0.3), P("2", 0.99)];
        Assert.Equal(["2", "z", "=", "2", "2"], ReadingSearch.Interpretations(line, read, MaskWidth, Joined(P("1", 0.01)))[0].Labels);
        Assert.Equal(ReadingSearch.FullSizeExponentPenalty, ReadingSearch.FullSizeExponentCost(["2", "z", "=", "z", "2"], line, 20));

        // A small digit after a letter is an exponent that dropped, and costs nothing: "2z=z^2" stands.
        SegmentedSymbol[] small = [.. line[..4], Bar(46, 22, 6, 8)];
        Assert.Equal(0, ReadingSearch.FullSizeExponentCost(["2", "z", "=", "z", "2"], small, 20));
        Assert.Equal(["2", "z", "=", "z", "2"], ReadingSearch.Interpretations(small, read, MaskWidth, Joined(P("1", 0.01)))[0].Labels);
    }

    [Fact]
    public void A_4_drawn_as_two_upright_strokes_is_joined_but_not_a_stem_and_a_bar()
    {
        // Composed seed 4, photographed: a 4's open L and its stem, read apart as '(' (the 4 third at 0.23) and '1'.
        SegmentedSymbol[] strokes = [Bar(10, 10, 5, 10), Bar(15, 12, 3, 12)];
        var best = ReadingSearch.Interpretations(strokes, [P("(", 0.25, "4", 0.23), P("1", 0.94)], MaskWidth, Joined(P("4", 0.95)))[0];
        Assert.Equal(["4"], best.Labels);
        // Composed seed 8, photographed (boxes moved 25 px left): the L starts well above the stem, the two sharing 0.65 of
        // the stem's height. Two upright strokes side by side sharing half of it are not weighed as one.
        Assert.True(Segmenter.MightBeOneSymbol(Bar(2, 23, 28, 54), Bar(39, 44, 14, 51)));
        Assert.False(Segmenter.MightBeOneSymbol(Bar(2, 23, 28, 54), Bar(39, 51, 14, 51)));
        // A 1 with a flat 2 beside it at mid-height (the "12" of "-12", its 2 read as '-') may look like a 4 joined,
        // but a 4 is never a stem and a bar.
        SegmentedSymbol[] stemAndBar = [Bar(10, 5, 3, 20), Bar(14, 13, 12, 3)];
        Assert.True(Segmenter.MightBeOneSymbol(stemAndBar[0], stemAndBar[1]));
        best = ReadingSearch.Interpretations(stemAndBar, [P("1", 0.5), P("-", 0.5, "2", 0.002)], MaskWidth, Joined(P("4", 0.95)))[0];
        Assert.Equal(["1", "-"], best.Labels);
    }

    [Fact]
    public void Offset_bars_one_above_the_other_may_be_an_equals_sign()
    {
        // "x", two offset bars, "1": is it x=1 or x--1?
        var symbols = new[] { Bar(2, 10, 8, 12), Bar(14, 12, 20, 3), Bar(20, 20, 20, 3), Bar(44, 10, 3, 12) };
        Assert.True(Segmenter.MightBeOneSymbol(symbols[1], symbols[2]));
        Assert.False(Segmenter.MightBeOneSymbol(symbols[0], symbols[1]));
        Prediction[] Read(double bar) => [P("x", 0.99), P("-", bar), P("-", bar), P("1", 0.99)];
        var best = ReadingSearch.Interpretations(symbols, Read(0.99), MaskWidth, Joined(P("=", 0.0001)))[0];
        Assert.Equal(["x", "-", "-", "1"], best.Labels); // the recognizer rules the joined bars out
        best = ReadingSearch.Interpretations(symbols, Read(0.99), MaskWidth, Joined(P("=", 0.2)))[0];
        Assert.Equal(["x", "=", "1"], best.Labels); // it doubts them, but nobody writes x--1
        best = ReadingSearch.Interpretations(symbols, Read(0.9), MaskWidth, Joined(P("=", 0.99)))[0];
        Assert.Equal(["x", "=", "1"], best.Labels); // an equation in x: worth the join
    }

    [Fact]
    public void The_flag_of_a_5_drawn_apart_is_joined_to_its_body_not_read_as_a_minus()
    {
        // "2", a 5's stem and bowl, its flag drawn apart at the stem's top right, "=", "x": 25=x, not 2 5 - = x.
        var symbols = new[] { Bar(2, 10, 8, 20), Bar(14, 10, 9, 20), Bar(19, 13, 8, 2), Bar(32, 18, 8, 5), Bar(46, 14, 8, 12) };
        Assert.True(Segmenter.IsHighBar(symbols[2].Box, symbols[1].Box));
        Assert.True(Segmenter.MightBeOneSymbol(symbols[1], symbols[2]));
        // The same bar at mid-height is a minus: neither a high bar nor a part of the 5.
        var minus = Bar(26, 19, 8, 2);
        Assert.False(Segmenter.IsHighBar(minus.Box, symbols[1].Box));
        Assert.False(Segmenter.MightBeOneSymbol(symbols[1], minus));
        // A bar far from the symbol is not its flag either.
        Assert.False(Segmenter.IsHighBar(Bar(40, 10, 8, 2).Box, symbols[1].Box));

        Prediction[] read = [P("2", 0.99), P("5", 0.6, "(", 0.3), P("-", 0.99), P("=", 0.99), P("x", 0.99)];
        // Apart it parses (2 5 - = x fails, but "25-" readings cost the high minus); joined it reads 25=x.
        var best = ReadingSearch.Interpretations(symbols, read, MaskWidth, Joined(P("5", 0.7)))[0];
        Assert.Equal(["2", "5", "=", "x"], best.Labels);
        Assert.Equal(ReadingSearch.HighMinusPenalty, ReadingSearch.HighMinusCost(["2", "5", "-", "=", "x"], symbols));
        Assert.Equal(0, ReadingSearch.HighMinusCost(["2", "5", "-", "=", "x"], [symbols[0], symbols[1], minus, symbols[3], symbols[4]]));
    }

    [Fact]
    public void An_equation_without_an_unknown_yields_to_a_likely_reading_with_one()
    {
        var symbols = Enumerable.Range(0, 5).Select(i => Bar(10 * i + 2, 10, 3, 8)).ToList();
        var predictions = new List<Prediction> { P("2", 0.6, "z", 0.35), P("+", 0.99), P("3", 0.99), P("=", 0.99), P("5", 0.99) };
        var best = ReadingSearch.Interpretations(symbols, predictions, MaskWidth, Joined(P("x", 0.01)))[0];
        Assert.Equal(["z", "+", "3", "=", "5"], best.Labels);
        Assert.Equal([0], best.Changed);
        // Without a plausible letter the arithmetic reading stays first.
        predictions[0] = P("2", 0.98, "z", 0.01);
        best = ReadingSearch.Interpretations(symbols, predictions, MaskWidth, Joined(P("x", 0.01)))[0];
        Assert.Equal(["2", "+", "3", "=", "5"], best.Labels);
    }

    [Fact]
    public void Labels_below_the_first_searchs_reach_are_weighed_only_by_the_widened_search()
    {
        // "9 y = ? 2" where ? is a minus the recognizer reads as '=' and gives '-' only 0.1% (and '7', fourth, 0.05%): 9y==2 and 9y=)2 read nowhere.
        var symbols = Enumerable.Range(0, 5).Select(i => Bar(10 * i + 2, 10, 3, 8)).ToList();
        var doubted = new Prediction("=", 0.97, [new("=", 0.97), new(")", 0.02), new("-", 0.001), new("7", 0.0005)]);
        var predictions = new List<Prediction> { P("9", 0.99), P("y", 0.99), P("=", 0.99), doubted, P("2", 0.99) };
        var first = ReadingSearch.Interpretations(symbols, predictions, MaskWidth, Joined(P("x", 0.01)));
        Assert.DoesNotContain(first, r => r.Labels[3] is "-" or "7");
        Assert.Contains(first, r => r.Labels[3] == ")");
        var widened = ReadingSearch.Interpretations(symbols, predictions, MaskWidth, Joined(P("x", 0.01)), widened: true);
        // Only readings the first search left out: each takes the unlikely '-' or '7'.
        Assert.All(widened, r => Assert.Contains(r.Labels[3], new[] { "-", "7" }));
        Assert.Equal(["9", "y", "=", "-", "2"], FirstSolvable(widened).Labels);
        // The reader's sequence: the first search, then the widened one.
        var all = ReadingSearch.Readings(symbols, predictions, MaskWidth, Joined(P("x", 0.01))).ToList();
        Assert.Equal(first.Concat(widened).Select(r => string.Join(" ", r.Labels)), all.Select(r => string.Join(" ", r.Labels)));
    }

    [Fact]
    public void The_reader_recognizes_joined_crops_once_for_both_searches()
    {
        int calls = 0;
        var all = ReadingSearch.Readings(Arcs, [P(")", 0.3, "1", 0.001), P("(", 0.3)], MaskWidth, crops =>
        {
            calls++;
            return crops.Select(_ => P("times", 0.98)).ToList();
        }).ToList();
        Assert.Equal(1, calls);
        Assert.Equal(["times"], all[0].Labels);
        Assert.Contains(all, r => r.Labels.SequenceEqual([")", "("]));
        Assert.Contains(all, r => r.Labels.SequenceEqual(["1", "("])); // from the widened search: '1' is under 0.005
    }

    /// <summary>The reading the reader would take: the best one that parses and solves.</summary>
    private static Interpretation FirstSolvable(IEnumerable<Interpretation> readings) => readings.First(r =>
    {
        try { EquationSolver.Solve(Parser.Parse(TokenBuilder.Build(r.Labels, new bool[r.Labels.Count]), "symbol")); return true; }
        catch (Exception e) when (e is ParseException or AlgebraException) { return false; }
    });

    [Fact]
    public void An_x_before_a_plus_is_not_read_as_a_times_sign()
    {
        // "2x+4=-2" with its x at 0.78 (times 0.22) and its last 2 read as z at 0.80 (2 at 0.20): 2x+4=-z has two
        // unknowns, and 2×+4=-z, which no one writes, must not come before 2x+4=-2.
        var symbols = Enumerable.Range(0, 7).Select(i => Bar(8 * i + 2, 10, 3, 8)).ToList();
        var predictions = new List<Prediction>
        {
            P("2", 0.99), P("x", 0.78, "times", 0.22), P("+", 0.99), P("4", 0.99), P("=", 0.99), P("-", 0.99), P("z", 0.80, "2", 0.20),
        };
        var best = FirstSolvable(ReadingSearch.Interpretations(symbols, predictions, MaskWidth, Joined(P("x", 0.01))));
        Assert.Equal(["2", "x", "+", "4", "=", "-", "2"], best.Labels);
    }

    [Fact]
    public void An_equals_sign_read_as_a_thick_minus_before_a_minus_is_read_as_equals()
    {
        // Composed seed 4, photographed: "8x+2=-14" whose '=' bars ran together, read '-' at 0.998 and '=' at 0.0012
        // (under the first search's 0.005), so the best reading was the expression 8x+2--14.
        var symbols = Enumerable.Range(0, 8).Select(i => Bar(7 * i + 2, 10, 3, 8)).ToList();
        var predictions = new List<Prediction>
        {
            P("8", 0.99), P("x", 0.97), P("+", 0.99), P("2", 0.99), P("-", 0.998, "=", 0.0012), P("-", 0.997, "=", 0.002), P("1", 0.99), P("4", 0.99),
        };
        var first = ReadingSearch.Interpretations(symbols, predictions, MaskWidth, Joined(P("x", 0.01)));
        Assert.Equal(["8", "x", "+", "2", "=", "-", "1", "4"], FirstSolvable(first).Labels);
        // A lone minus in an expression stays a minus: x-6-2 is not x-6=2 on this little doubt.
        symbols = Enumerable.Range(0, 5).Select(i => Bar(10 * i + 2, 10, 3, 8)).ToList();
        predictions = [P("x", 0.99), P("-", 0.998, "=", 0.0016), P("6", 0.99), P("-", 0.998, "=", 0.0016), P("2", 0.99)];
        Assert.Equal(["x", "-", "6", "-", "2"], FirstSolvable(ReadingSearch.Interpretations(symbols, predictions, MaskWidth, Joined(P("x", 0.01)))).Labels);
        // But nobody takes away a lone 0 (composed seed 23, photographed: "x^2-2x-24=0" read as "x^2-2x-24-0", its '='
        // at 0.0012): the '-' before the 0 is the '=', not one of the others with more doubt.
        predictions[4] = P("0", 0.99);
        Assert.Equal(["x", "-", "6", "=", "0"], FirstSolvable(ReadingSearch.Interpretations(symbols, predictions, MaskWidth, Joined(P("x", 0.01)))).Labels);
        predictions[3] = P("-", 0.998, "=", 0.0012);
        Assert.Equal(["x", "-", "6", "=", "0"], FirstSolvable(ReadingSearch.Interpretations(symbols, predictions, MaskWidth, Joined(P("x", 0.01)))).Labels);
    }

    [Fact]
    public void A_times_sign_yields_to_x_in_an_equation_in_x()
    {
        // 2 ? - 5 = x: "2×-5=x" reads, but people solving for x do not write '×'.
        var symbols = Enumerable.Range(0, 6).Select(i => Bar(10 * i + 2, 10, 3, 8)).ToList();
        var predictions = new List<Prediction> { P("2", 0.99), P("times", 0.6, "x", 0.35), P("-", 0.99), P("5", 0.99), P("=", 0.99), P("x", 0.99) };
        var best = ReadingSearch.Interpretations(symbols, predictions, MaskWidth, Joined(P("x", 0.01)))[0];
        Assert.Equal(["2", "x", "-", "5", "=", "x"], best.Labels);
        // With another unknown, a confident '×' stays.
        predictions[5] = P("y", 0.99);
        best = ReadingSearch.Interpretations(symbols, predictions, MaskWidth, Joined(P("x", 0.01)))[0];
        Assert.Equal("times", best.Labels[1]);
    }

    [Theory]
    [InlineData("x,2,-,x,=,0", "0,1")]      // a 2 written low after x is still its exponent
    [InlineData("2,x,+,3,=,7", "2")]        // a digit before the letter is a coefficient
    [InlineData("x,+,1,2,=,1,3", "1")]      // digits after an operator are a number
    public void A_digit_right_after_a_letter_is_its_exponent(string labels, string solutions)
    {
        var list = labels.Split(',');
        var tokens = TokenBuilder.Build(list, new bool[list.Length]);
        var s = EquationSolver.Solve(Parser.Parse(tokens, "symbol"));
        Assert.Equal(solutions.Split(','), s.Solutions.Order());
    }

    [Fact]
    public void An_equals_sign_is_never_an_exponent()
    {
        // After a small x written low, the '=' can sit high enough to look raised.
        string[] labels = ["x", "2", "-", "x", "=", "0"];
        var tokens = TokenBuilder.Build(labels, [false, true, false, false, true, false]);
        Assert.Equal(["0", "1"], EquationSolver.Solve(Parser.Parse(tokens, "symbol")).Solutions.Order());
    }

    [Theory]
    [InlineData("7 z + 3 = 5 2", "z z + 3 = 5 2", ReadingSearch.AdjacentLettersPenalty)]      // 7z read as zz
    [InlineData("9 z + 1 1 = 6", "9 z + 1 z = 6", ReadingSearch.UnitCoefficientPenalty)]      // 11 read as 1z
    [InlineData("x ^2 - 9 x = 0", "2 0 ^2 - 9 x = 0", ReadingSearch.NumericPowerPenalty)]     // x read as 20, raised 2 on a number
    [InlineData("x ^2 + 6 x + 8 = 0", "x ^1 + 6 x + 8 = 0", ReadingSearch.UnitExponentPenalty)] // a raised 2 read as 1
    [InlineData("2 ^1 ^0 = y", "2 ^1 ^1 = y", 0.0)]                                            // 2^10 is no unit exponent
    [InlineData("x ^2 + 8 x = 0", "x ^7 + 8 x = 0", ReadingSearch.HighExponentPenalty)]       // a raised 2 read as 7
    [InlineData("7 z + 5 = 5 4", "z 7 + 5 = 5 4", ReadingSearch.HighExponentPenalty)]         // 7z read as z7, that is z^7
    [InlineData("7 x + 1 = - 4 1", "+ x + 1 = - 4 1", ReadingSearch.LeadingPlusPenalty)]      // a 7 read as '+'
    [InlineData("3 x = 1 2", "3 x = + 1 2", ReadingSearch.LeadingPlusPenalty)]                // a right side opened by '+'
    [InlineData("3 z + 4 = 1", "3 z - + 4 = 1", ReadingSearch.LeadingPlusPenalty)]            // a '+' right after another operator
    [InlineData("7 x + 1 1 = 2 5", "7 x 1 1 1 = 2 5", ReadingSearch.NumberAfterLetterPenalty)] // a '+' read as 1: 7x111
    [InlineData("x = 3 - 5", "x = 3 - - 5", ReadingSearch.MinusAfterOperatorPenalty)]          // a '-' right after '-'
    [InlineData("x ^2 - 4 = 0", "x ^2 - 4 - 0", ReadingSearch.ZeroTermPenalty + ReadingSearch.NoEqualsPenalty)] // "=0" read as "-0"
    [InlineData("x - 1 0 = 0", "x - 0 = 0", ReadingSearch.ZeroTermPenalty)]                  // a lone 0 taken away
    [InlineData("x + 1 0 = 2 0", "x + 0 1 = 2 0", 0.0)]                                         // a 0 that opens a number is no term of 0
    [InlineData("x = - 5", "x + - 5", ReadingSearch.MinusAfterOperatorPenalty + ReadingSearch.NoEqualsPenalty)] // an '=' read as '+', before a minus
    [InlineData("x ^2 + 5 = 9", "x 2 + 5 = 9", 0.0)]                                           // a 2 written low after x is its exponent, not a number
    public void Readings_people_do_not_write_cost_more(string likely, string unlikely, double penalty)
    {
        static (string[] Labels, bool[] Raised) Parse(string text)
        {
            var parts = text.Split(' ');
            return (parts.Select(p => p.TrimStart('^')).ToArray(), parts.Select(p => p.StartsWith('^')).ToArray());
        }
        var (a, ar) = Parse(likely);
        var (b, br) = Parse(unlikely);
        Assert.Equal(penalty, ReadingSearch.StructureCost(b, br) - ReadingSearch.StructureCost(a, ar), 6);
    }

    [Fact]
    public void Numbers_may_be_raised_where_there_is_nothing_to_solve_and_11_is_no_unit_coefficient()
    {
        Assert.Equal(0, ReadingSearch.StructureCost(["3", "2", "+", "1"], [false, true, false, false]));       // 3^2+1: evaluated
        Assert.Equal(0, ReadingSearch.StructureCost(["1", "1", "x", "=", "2"], [false, false, false, false, false])); // 11x = 2
    }

    [Fact]
    public void A_false_sum_is_read_again_for_a_letter_but_a_true_one_stands()
    {
        // "3z+2=16" whose z the recognizer takes for a 2 (z at 0.008): the best reading, "32+2=16", has no unknown and
        // is false, so the next one is tried, and "3z+2=16" solves.
        var symbols = Enumerable.Range(0, 7).Select(i => Bar(1 + 8 * i, 10, 5, 12)).ToArray();
        Prediction[] Read(string middle) =>
            [P("3", 0.99), P("2", 0.99, "z", 0.008), P("+", 0.99), P("2", 0.99), P("=", 0.99), P("1", 0.99), P(middle, 0.99)];
        var (chosen, mostLikely, _) = EquationReader.FirstThatSolves(ReadingSearch.Readings(symbols, Read("6"), MaskWidth, Joined(P("1", 0.5))));
        Assert.Equal(["3", "2", "+", "2", "=", "1", "6"], mostLikely!.Labels);
        Assert.Equal(["3", "z", "+", "2", "=", "1", "6"], chosen!.Value.Reading.Labels);
        Assert.Equal("z", chosen.Value.Solution.Variable);
        // With z at 0.0002 (ln 0.0002 = -8.5, against -0.01 - NoVariablePenalty = -4.0), "3z+2=16" is further below
        // than UnlikelyAnswerMargin: the false sum stands.
        var unlikely = Read("6");
        unlikely[1] = P("2", 0.99, "z", 0.0002);
        (chosen, _, _) = EquationReader.FirstThatSolves(ReadingSearch.Readings(symbols, unlikely, MaskWidth, Joined(P("1", 0.5))));
        Assert.Equal(["3", "2", "+", "2", "=", "1", "6"], chosen!.Value.Reading.Labels);
        // "32+2=34" is true: it is the answer.
        (chosen, _, _) = EquationReader.FirstThatSolves(ReadingSearch.Readings(symbols, [.. Read("4")[..5], P("3", 0.99), P("4", 0.99)], MaskWidth, Joined(P("1", 0.5))));
        Assert.Equal(["3", "2", "+", "2", "=", "3", "4"], chosen!.Value.Reading.Labels);
        Assert.Null(chosen.Value.Solution.Variable);
    }

    [Fact]
    public void An_equation_with_no_solution_or_no_real_root_is_read_again()
    {
        // "5z+16=21" whose 5 the recognizer takes for a 0 (5 at 0.05): "0z+16=21" holds for no z, so the next reading
        // is tried (composed seed 13, photographed).
        var symbols = Enumerable.Range(0, 8).Select(i => Bar(1 + 7 * i, 10, 5, 12)).ToArray();
        Prediction[] read = [P("0", 0.94, "5", 0.05), P("z", 0.99), P("+", 0.99), P("1", 0.99), P("6", 0.99), P("=", 0.99), P("2", 0.99), P("1", 0.99)];
        var (chosen, mostLikely, _) = EquationReader.FirstThatSolves(ReadingSearch.Readings(symbols, read, MaskWidth, Joined(P("1", 0.5))));
        Assert.Equal("0", mostLikely!.Labels[0]);
        Assert.Equal(["5", "z", "+", "1", "6", "=", "2", "1"], chosen!.Value.Reading.Labels);
        Assert.Equal(["1"], chosen.Value.Solution.Solutions);
        // "x^2+9=1" has only complex roots; its '+' may be a '-' (0.09), and "x^2-9=1" has real ones.
        SegmentedSymbol[] raised = [Bar(1, 10, 5, 12), Bar(7, 2, 4, 8) with { Superscript = true }, .. Enumerable.Range(0, 4).Select(i => Bar(13 + 7 * i, 10, 5, 12))];
        Prediction[] quadratic = [P("x", 0.99), P("2", 0.99), P("+", 0.9, "-", 0.09), P("9", 0.99), P("=", 0.99), P("1", 0.99)];
        (chosen, mostLikely, _) = EquationReader.FirstThatSolves(ReadingSearch.Readings(raised, quadratic, MaskWidth, Joined(P("1", 0.5))));
        Assert.Equal(["x", "2", "+", "9", "=", "1"], mostLikely!.Labels);
        Assert.Equal(["x", "2", "-", "9", "=", "1"], chosen!.Value.Reading.Labels);
        Assert.False(chosen.Value.Solution.OnlyComplexRoots);
        // With no likely alternative the complex roots stand: people do photograph x^2+1=0.
        quadratic[2] = P("+", 0.99);
        (chosen, _, _) = EquationReader.FirstThatSolves(ReadingSearch.Readings(raised, quadratic, MaskWidth, Joined(P("1", 0.5))));
        Assert.Equal(["x", "2", "+", "9", "=", "1"], chosen!.Value.Reading.Labels);
        Assert.True(chosen.Value.Solution.OnlyComplexRoots);
    }

    [Fact]
    public void A_9_drawn_as_a_loop_and_a_stem_apart_is_joined_only_when_they_interlock()
    {
        // Composed seed 9, photographed (boxes moved 26 px left): the loop read as 0 (0.988) and the stem as 1 (0.589),
        // each box reaching half of the stem's width into the other.
        SegmentedSymbol[] interlocked = [Bar(2, 28, 29, 42), Bar(19, 29, 25, 67)];
        Assert.True(Segmenter.Interlocked(interlocked[0].Box, interlocked[1].Box));
        Prediction[] read = [P("0", 0.988), P("1", 0.589, "forward_slash", 0.365)];
        Assert.Equal(["9"], ReadingSearch.Interpretations(interlocked, read, MaskWidth, Joined(P("9", 0.97)))[0].Labels);
        // The same two side by side, 2 px apart, are a 0 and a 1 whatever the joined crop looks like: "01" is no 9.
        SegmentedSymbol[] apart = [Bar(2, 28, 29, 42), Bar(33, 29, 10, 67)];
        Assert.True(Segmenter.MightBeOneSymbol(apart[0], apart[1]));
        Assert.False(Segmenter.Interlocked(apart[0].Box, apart[1].Box));
        Assert.Equal(["0", "1"], ReadingSearch.Interpretations(apart, read, MaskWidth, Joined(P("9", 0.97)))[0].Labels);
    }
}
