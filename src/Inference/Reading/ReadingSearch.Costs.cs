using Solver.Inference.Imaging;

namespace Solver.Inference.Reading;

/// <summary>
/// The priors of <see cref="ReadingSearch"/>: what each reading costs for what people do not write. Each cost names the
/// misreading it was found on and what it measured (chosen on composed seed 2, reported on fresh seeds: docs/results.md).
/// </summary>
public static partial class ReadingSearch
{
    /// <summary>Cost of a reading with '=' and no letter to solve for.</summary>
    public const double NoVariablePenalty = 4.0;
    /// <summary>Cost of a reading with letters but no '=' (an expression to simplify, which people photograph less).</summary>
    public const double NoEqualsPenalty = 1.5;
    /// <summary>Cost of a '×' in an equation whose unknown is x: people who solve for x write products without it.</summary>
    public const double TimesBesideXPenalty = 2.0;
    /// <summary>Cost of each pair of letters side by side: an equation in one unknown writes x², not xx.</summary>
    public const double AdjacentLettersPenalty = 2.0;
    /// <summary>Cost of each lone 1 right before a letter: people write x, not 1x.</summary>
    public const double UnitCoefficientPenalty = 2.0;
    /// <summary>Cost of each exponent raised over a number when the reading has '=' and a letter.</summary>
    public const double NumericPowerPenalty = 1.5;
    /// <summary>Cost of each minus drawn at the top of a taller neighbour (the flag of a 5 drawn apart, read as '-').</summary>
    public const double HighMinusPenalty = 2.0;
    /// <summary>Cost of each exponent 1 (nobody writes x¹; a raised 2 read as 1 is the usual cause).</summary>
    public const double UnitExponentPenalty = 2.0;
    /// <summary>
    /// Cost of each one-digit exponent other than 1 to 4 (x⁷ is rare in the equations people photograph; a raised 2
    /// misread as 7, or a 7 before z misread so that it becomes z's exponent, is not). Seed 2: 0 gave 91.0% / 89.0%,
    /// 1, 2 and 3 all 91.5% / 89.0%.
    /// </summary>
    public const double HighExponentPenalty = 2.0;
    /// <summary>
    /// Cost of each '+' that opens a side or follows another operator (people write 7x+1, not +x+1, and 2x+4, not
    /// 2×+4; a 7 read as '+', or an x read as '×' before a '+', is the usual cause).
    /// </summary>
    public const double LeadingPlusPenalty = 2.0;
    /// <summary>
    /// Cost of each '-' right after '+' or '-' (8x+2--14): people write 8x+2=-14 (and 2×-5 stays cheap). In photographs the two
    /// bars of an '=' run together into one thick bar that the recognizer reads as '-' (with '=' at 0.1-0.2%, no more
    /// than it gives a real minus), and the reading then has no '=' but a "--". The cost must outweigh that doubt
    /// (ln 0.998/0.0012 = 6.7, less <see cref="NoEqualsPenalty"/>) to let the '=' back in.
    /// </summary>
    public const double MinusAfterOperatorPenalty = 6.0;
    /// <summary>
    /// Cost of each term that is a lone 0 after '+' or '-' (x²-4-0): nobody adds or takes away nothing. In photographs the
    /// two bars of the "=" in "x²-4=0" run together and the recognizer reads one thick '-' (the '=' at 0.1-2%), so the
    /// reading has no '=' and ends in "-0". Like <see cref="MinusAfterOperatorPenalty"/>, the cost must outweigh that
    /// doubt (ln 0.998/0.0012 = 6.7, less <see cref="NoEqualsPenalty"/>).
    /// </summary>
    public const double ZeroTermPenalty = 6.0;
    /// <summary>
    /// Cost of each number written on the baseline right after a letter (x111: people write 111x; a '+' read as 1 is the
    /// usual cause). 2 let "6y+18=26" be read as "6y18=26" (the '+' at 0.11 against '1' at 0.87, composed seed 10,
    /// photographed); 3 mends it and its like, and changes nothing on seed 2 (both levels).
    /// </summary>
    public const double NumberAfterLetterPenalty = 3.0;
    /// <summary>
    /// Cost of each digit on the line shorter than <see cref="ShortDigitHeight"/> of the line's height
    /// (<see cref="LineHeight"/>) and followed by a letter or by another such short digit. People write digits at full
    /// height; the two arcs of an x drawn apart (ɔc) are as short as the x, and read apart they are a confident "0x",
    /// "2x" or "20" that the join's cost alone keeps (composed seed 22, photographed: "5x" read as "50x", "x^2-3x" as
    /// "x^2-32x" or "x^2-320"). A short digit alone (the 2 of "=12" drawn small) costs nothing: on every short digit,
    /// the cost let such a 2 become a z or join its 1 (seed 22: one linear and two quadratics lost). Seed 2: linear
    /// unchanged, quadratic 91.5% / 90.5% -> 92.5% / 92.0% (clean / photographed); seed 22 photographed, where the
    /// misses were found: linear 93.5% -> 93.7%, quadratic 90.7% -> 91.9%.
    /// </summary>
    public const double ShortDigitPenalty = 2.0;
    /// <summary>The height, as a share of the line's, below which a digit costs <see cref="ShortDigitPenalty"/>: 0.6 and 0.7 read the same on seed 22's misses.</summary>
    public const double ShortDigitHeight = 0.6;
    /// <summary>
    /// Cost of each digit on the line read as an exponent because it follows a letter (x2 read as x², as people let a
    /// small exponent drop) while it is as tall as a digit: at least <see cref="FullSizeExponentHeight"/> of the line's
    /// height. A dropped exponent is written small; a full-size digit after a letter is mostly a digit misread as that
    /// letter (composed seed 21, photographed: "2z+14=22" read as "2z+14=z^2", "6z+3=21" as "6z+3=z^1").
    /// </summary>
    public const double FullSizeExponentPenalty = 2.0;
    /// <summary>The height, as a share of the line's, from which a dropped exponent costs <see cref="FullSizeExponentPenalty"/>.</summary>
    public const double FullSizeExponentHeight = 0.75;

    public static double StructureCost(IReadOnlyList<string> labels, IReadOnlyList<bool> superscript) =>
        StructureCost(labels, superscript, TokenBuilder.Exponents(labels, superscript));

    /// <param name="exponent"><see cref="TokenBuilder.Exponents"/> of the reading, computed once for every cost that needs it.</param>
    private static double StructureCost(IReadOnlyList<string> labels, IReadOnlyList<bool> superscript, IReadOnlyList<bool> exponent)
    {
        int equals = labels.Count(l => l == "=");
        bool variable = labels.Any(TokenBuilder.IsLetter);
        double cost = 0;
        if (equals >= 1 && !variable) cost += NoVariablePenalty;
        if (equals == 0 && variable) cost += NoEqualsPenalty;
        if (labels.Contains("x") && labels.Contains("times")) cost += TimesBesideXPenalty;
        for (int i = 0; i + 1 < labels.Count; i++)
        {
            if (superscript[i] || superscript[i + 1]) continue;
            if (TokenBuilder.IsLetter(labels[i]) && TokenBuilder.IsLetter(labels[i + 1])) cost += AdjacentLettersPenalty;
            if (labels[i] == "1" && TokenBuilder.IsLetter(labels[i + 1]) && (i == 0 || !TokenBuilder.IsDigit(labels[i - 1]))) cost += UnitCoefficientPenalty;
        }
        if (equals >= 1 && variable)
            for (int i = 1; i < labels.Count; i++)
                if (superscript[i] && !superscript[i - 1] && TokenBuilder.IsDigit(labels[i - 1])) cost += NumericPowerPenalty;
        for (int i = 1; i < labels.Count; i++)
            if (superscript[i] && !superscript[i - 1] && labels[i] == "1" && (i + 1 == labels.Count || !superscript[i + 1])) cost += UnitExponentPenalty;
        for (int i = 1; i < labels.Count; i++)
        {
            if (exponent[i] && !exponent[i - 1] && (i + 1 == labels.Count || !exponent[i + 1]) && labels[i] is "0" or "5" or "6" or "7" or "8" or "9")
                cost += HighExponentPenalty;
            if (!exponent[i] && !exponent[i - 1] && TokenBuilder.IsDigit(labels[i]) && TokenBuilder.IsLetter(labels[i - 1])) cost += NumberAfterLetterPenalty;
        }
        for (int i = 0; i < labels.Count; i++)
        {
            if (superscript[i]) continue;
            if (labels[i] == "+" && (i == 0 || labels[i - 1] is "=" or "+" or "-" or "times" or "div" or "forward_slash"))
                cost += LeadingPlusPenalty;
            if (labels[i] == "-" && i > 0 && labels[i - 1] is "+" or "-")
                cost += MinusAfterOperatorPenalty;
            if (labels[i] == "0" && i > 0 && labels[i - 1] is "+" or "-" && !superscript[i - 1]
                && (i + 1 == labels.Count || superscript[i + 1] || !TokenBuilder.IsDigit(labels[i + 1])))
                cost += ZeroTermPenalty;
        }
        return cost;
    }

    /// <summary><see cref="HighMinusPenalty"/> for each '-' that is a high bar against a neighbour (<see cref="Segmenter.IsHighBar"/>).</summary>
    public static double HighMinusCost(IReadOnlyList<string> labels, IReadOnlyList<SegmentedSymbol> symbols)
    {
        double cost = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i] != "-" || symbols[i].Superscript) continue;
            bool high = (i > 0 && Segmenter.IsHighBar(symbols[i].Box, symbols[i - 1].Box))
                || (i + 1 < labels.Count && Segmenter.IsHighBar(symbols[i].Box, symbols[i + 1].Box));
            if (high) cost += HighMinusPenalty;
        }
        return cost;
    }

    /// <summary>
    /// <see cref="ShortDigitPenalty"/> for each digit on the line shorter than <see cref="ShortDigitHeight"/> of
    /// <paramref name="lineHeight"/> whose right-hand neighbour on the line is a letter or another short digit.
    /// </summary>
    public static double ShortDigitCost(IReadOnlyList<string> labels, IReadOnlyList<SegmentedSymbol> symbols, double lineHeight)
    {
        double cost = 0;
        bool Short(int i) => symbols[i].Box.Height < ShortDigitHeight * lineHeight;
        for (int i = 0; i + 1 < labels.Count; i++)
            if (!symbols[i].Superscript && !symbols[i + 1].Superscript && TokenBuilder.IsDigit(labels[i]) && Short(i)
                && (TokenBuilder.IsLetter(labels[i + 1]) || (TokenBuilder.IsDigit(labels[i + 1]) && Short(i + 1))))
                cost += ShortDigitPenalty;
        return cost;
    }

    /// <summary>
    /// <see cref="FullSizeExponentPenalty"/> for each digit on the line that the reading takes as an exponent (right after
    /// a letter: <see cref="TokenBuilder.Exponents"/>) while it is at least <see cref="FullSizeExponentHeight"/> of
    /// <paramref name="lineHeight"/>.
    /// </summary>
    public static double FullSizeExponentCost(IReadOnlyList<string> labels, IReadOnlyList<SegmentedSymbol> symbols, double lineHeight) =>
        FullSizeExponentCost(labels, symbols, TokenBuilder.Exponents(labels, symbols.Select(s => s.Superscript).ToList()), lineHeight);

    private static double FullSizeExponentCost(IReadOnlyList<string> labels, IReadOnlyList<SegmentedSymbol> symbols, IReadOnlyList<bool> exponent, double lineHeight)
    {
        double cost = 0;
        for (int i = 1; i < labels.Count; i++)
            if (exponent[i] && !symbols[i].Superscript && symbols[i].Box.Height >= FullSizeExponentHeight * lineHeight) cost += FullSizeExponentPenalty;
        return cost;
    }
}
