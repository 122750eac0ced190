namespace Solver.Inference.Imaging;

/// <summary>One symbol found in the image: its box, its 45x45 crop (ink 255), and whether it is written raised (an exponent).</summary>
public sealed record SegmentedSymbol(Box Box, byte[] Crop, bool Superscript)
{
    /// <summary>The ink pixels (indices into the mask), for re-cropping when neighbours are merged.</summary>
    public Component? Part { get; init; }
}

/// <summary>The symbols of an equation image, in reading order, and the mask they came from.</summary>
public sealed record Segmentation(IReadOnlyList<SegmentedSymbol> Symbols, InkMask Mask);

/// <summary>
/// Image to symbols: binarize, find 8-connected components, drop ruled lines and specks, merge the parts of one symbol, read
/// left to right, and mark exponents by their size and height against the symbol before them.
/// </summary>
public static class Segmenter
{
    public static Segmentation Segment(GrayImage gray, BinarizationMethod method = BinarizationMethod.Sauvola)
    {
        var mask = Binarizer.Apply(gray, method);
        var parts = RuledLines.Remove(ConnectedComponents.Find(mask), mask.Width);
        parts = DropSpecks(parts);
        var merged = MergeStacked(parts);
        merged.Sort((a, b) => a.Box.X.CompareTo(b.Box.X));
        var flags = Superscripts(merged.Select(c => c.Box).ToList());
        var symbols = merged.Select((c, i) => new SegmentedSymbol(c.Box, CropNormalizer.Normalize(c, mask.Width), flags[i]) { Part = c }).ToList();
        return new Segmentation(symbols, mask);
    }

    /// <summary>
    /// Specks are far smaller than the typical stroke group: under 1% of the median area of the substantial parts. A
    /// small mark (under <see cref="StrayMarkShare"/> of that median) wholly above or below every substantial part is
    /// no symbol either: what a ruled line leaves where it crossed nothing (composed seed 8, photographed: a 4 x 1 px
    /// remnant under "-32" read as a trailing '1').
    /// </summary>
    private static List<Component> DropSpecks(List<Component> parts)
    {
        if (parts.Count == 0) return parts;
        int largest = parts.Max(p => p.Pixels.Count);
        var substantialParts = parts.Where(p => p.Pixels.Count >= 0.05 * largest).ToList();
        var substantial = substantialParts.Select(p => p.Pixels.Count).Order().ToList();
        double median = substantial[substantial.Count / 2];
        double min = Math.Max(4, 0.01 * median);
        int top = substantialParts.Min(p => p.Box.Y), bottom = substantialParts.Max(p => p.Box.Bottom);
        bool Stray(Component p) => p.Pixels.Count < StrayMarkShare * median && (p.Box.Bottom <= top || p.Box.Y >= bottom);
        return parts.Where(p => p.Pixels.Count >= min && !Stray(p)).ToList();
    }

    /// <summary>The largest share of the median substantial part a mark outside the line's rows may have and still be dropped.</summary>
    public const double StrayMarkShare = 0.05;

    /// <summary>
    /// Parts stacked one above the other (the bars of '=', the dots and bar of '÷', the dot of 'i') or nested one
    /// inside the other (a broken stroke, the bars of '+') belong to one symbol. Equations are written left to right.
    /// </summary>
    public static List<Component> MergeStacked(List<Component> parts)
    {
        var list = parts.ToList();
        bool merged = true;
        while (merged)
        {
            merged = false;
            for (int i = 0; i < list.Count && !merged; i++)
            for (int j = i + 1; j < list.Count && !merged; j++)
            {
                var a = list[i].Box; var b = list[j].Box;
                if (Stacked(a, b) || Nested(a, b))
                {
                    list[i].Absorb(list[j]);
                    list.RemoveAt(j);
                    merged = true;
                }
            }
        }
        return list;
    }

    /// <summary>One above the other, sharing most of their width: the bars of '=', the dots of '÷', the dot of 'i'.</summary>
    private static bool Stacked(Box a, Box b)
    {
        int overlap = a.HorizontalOverlap(b);
        int narrower = Math.Min(a.Width, b.Width);
        bool centreInside = (b.CenterX >= a.X && b.CenterX <= a.Right) || (a.CenterX >= b.X && a.CenterX <= b.Right);
        int verticalOverlap = a.VerticalOverlap(b);
        // Two flat bars above one another are '=' even when drawn offset or slanted. A slanted bar's box reaches into
        // the other's rows (composed seed 4, photographed: "8y+11=51" read as "8y+11--51"), so the boxes may share up
        // to half the thinner bar's height as long as their middles are that far apart.
        int thinner = Math.Min(a.Height, b.Height);
        double rise = Math.Abs(a.CenterY - b.CenterY);
        bool above = verticalOverlap <= 0.5 * thinner && rise >= 0.5 * thinner;
        if (Flat(a) && Flat(b) && overlap >= 0.3 * narrower && above && rise < Math.Max(a.Width, b.Width)) return true;
        // Slanted neighbours overlap horizontally too, but side by side: they share most of their height.
        return overlap >= 0.5 * narrower && centreInside && verticalOverlap <= 0.3 * Math.Min(a.Height, b.Height);
    }

    /// <summary>One part mostly inside the other's box: a broken stroke, the two bars of a '+', the strokes of an 'x'.</summary>
    private static bool Nested(Box a, Box b)
    {
        int w = a.HorizontalOverlap(b);
        int h = a.VerticalOverlap(b);
        long smaller = Math.Min((long)a.Width * a.Height, (long)b.Width * b.Height);
        return (long)w * h >= 0.7 * smaller;
    }

    /// <summary>
    /// Neighbours that might be two strokes of one symbol, for the reader to weigh with the recognizer: an x written as
    /// ")(", a + whose bars do not touch (close, of similar height, on the same level, neither flat; or a crossbar beside
    /// its stem, <see cref="IsCrossbar"/>), the bars of an '=' drawn offset (both flat, one above the other within about
    /// a bar's length), a 5's flag drawn apart (<see cref="IsHighBar"/>), the top stroke of a 7 or the left arm of a
    /// y, raised or on the line (<see cref="IsDetachedTopStroke"/>), or the raised L of a 4 (<see cref="IsRaisedHalfOfFour"/>).
    /// </summary>
    public static bool MightBeOneSymbol(SegmentedSymbol a, SegmentedSymbol b)
    {
        if (a.Part is null || b.Part is null) return false;
        if (a.Superscript != b.Superscript) return a.Superscript && (IsDetachedTopStroke(a.Box, b.Box) || IsRaisedHalfOfFour(a.Box, b.Box));
        var p = a.Box; var q = b.Box;
        if (IsDetachedTopStroke(p, q)) return true;
        if (IsHighBar(p, q) || IsHighBar(q, p)) return true;
        if (IsCrossbar(p, q) || IsCrossbar(q, p)) return true;
        int gap = q.X - p.Right;
        int h = Math.Max(p.Height, q.Height);
        bool pFlat = Flat(p), qFlat = Flat(q);
        int verticalGap = Math.Max(p.Y, q.Y) - Math.Min(p.Bottom, q.Bottom);
        if (pFlat && qFlat)
        {
            int longer = Math.Max(p.Width, q.Width);
            return gap < 0.3 * longer && verticalGap > 0 && verticalGap < 0.8 * longer;
        }
        double verticalOverlap = p.VerticalOverlap(q) / (double)Math.Min(p.Height, q.Height);
        // Two upright strokes may be offset further: a 4's open L starts higher than its stem (composed seed 8,
        // photographed: "84" read as "811", the two parts sharing 0.65 of the shorter one's height).
        double sharedHeight = Upright(p) && Upright(q) ? UprightSharedHeight : 0.7;
        return !pFlat && !qFlat && gap < 0.2 * h && Math.Min(p.Height, q.Height) > 0.6 * h && verticalOverlap > sharedHeight;
    }

    /// <summary>
    /// A short flat stroke in the upper part of a taller symbol beside or over it, such as the flag of a 5 drawn apart:
    /// too high for a minus (which sits at mid-height of its neighbours) and close enough to belong to the symbol. The
    /// limits were chosen on composed equations of seed 2 (a middle above 0.3 of the body's height missed flags drawn
    /// under the top of the 5's stem; 0.4 and 0.45 measured the same).
    /// </summary>
    public static bool IsHighBar(Box bar, Box body)
    {
        if (bar.Height >= 0.6 * bar.Width || bar.Height >= 0.35 * body.Height || body.Height < 0.8 * body.Width) return false;
        double middle = bar.Y + bar.Height / 2.0;
        bool high = middle > body.Y - 0.25 * body.Height && middle < body.Y + 0.4 * body.Height;
        bool near = bar.X < body.Right + 0.3 * body.Height && bar.Right > body.X - 0.15 * body.Height;
        return high && near && bar.Width < 1.5 * body.Width;
    }

    /// <summary>
    /// A flat bar at mid-height of a tall stroke that it touches or nearly touches side by side: the crossbar of a '+'
    /// drawn short of the stem, which reads apart as "-1" or "-(". Whether it is one is for the reader to weigh.
    /// </summary>
    public static bool IsCrossbar(Box bar, Box stem)
    {
        if (!Flat(bar) || stem.Height < 1.5 * stem.Width || bar.Width > 1.5 * stem.Height) return false;
        double middle = bar.Y + bar.Height / 2.0;
        bool level = middle > stem.Y + 0.25 * stem.Height && middle < stem.Y + 0.75 * stem.Height;
        int gap = Math.Max(bar.X, stem.X) - Math.Min(bar.Right, stem.Right);
        return level && gap < 0.1 * stem.Height;
    }

    /// <summary>
    /// Side by side, but each box reaching into the other by at least <see cref="InterlockShare"/> of the narrower one's
    /// width, over most of its height: how the loop and the stem of a 9 drawn apart lie (composed seeds 8 and 9,
    /// photographed: 0.48 to 0.52, read as "01" or "0x"). Neighbouring symbols seldom reach that far into each other.
    /// </summary>
    public static bool Interlocked(Box a, Box b)
    {
        int overlap = a.HorizontalOverlap(b);
        int shared = a.VerticalOverlap(b);
        return overlap >= InterlockShare * Math.Min(a.Width, b.Width) && shared >= 0.7 * Math.Min(a.Height, b.Height);
    }

    public const double InterlockShare = 0.4;

    /// <summary>The share of the shorter one's height two upright neighbours must share to be weighed as one symbol.</summary>
    public const double UprightSharedHeight = 0.6;

    /// <summary>A bar: under 0.35 of its width tall ('-', the bars of '=', a crossbar).</summary>
    public static bool Flat(Box b) => b.Height < 0.35 * b.Width;

    /// <summary>A stroke clearly taller than wide, as both parts of a 4 drawn in two strokes are (1.9 to 4.6 on seed 4).</summary>
    public static bool Upright(Box b) => b.Height >= 1.2 * b.Width;

    /// <summary>
    /// A short stroke right before a taller one that it touches and whose top it reaches: the top stroke of a 7 or the
    /// left arm of a y drawn apart, which read as "1^1" when the short stroke was taken for a raised symbol (composed
    /// seed 6), and as "11" on the line (seed 13: "4y+15" read as "411+15").
    /// </summary>
    public static bool IsDetachedTopStroke(Box part, Box body) =>
        part.Height < 0.7 * body.Height && part.X <= body.X && body.X - part.Right < 0.1 * body.Height
        && body.Y <= part.Bottom && part.Y < body.Y + 0.1 * body.Height;

    /// <summary>
    /// A raised upright part that reaches into the box of the upright part after it on the line: the open L of a 4
    /// drawn well above its stem (composed seed 13, photographed: "41" read as "^411"). An exponent ends before the
    /// symbol after it.
    /// </summary>
    public static bool IsRaisedHalfOfFour(Box part, Box body) =>
        Upright(part) && Upright(body) && part.X < body.X && part.Right >= body.X && part.Bottom > body.Y;

    /// <summary>The two as one symbol; on the line unless both were raised.</summary>
    public static SegmentedSymbol Merge(SegmentedSymbol a, SegmentedSymbol b, int maskWidth)
    {
        var part = new Component(a.Part!.Box, [.. a.Part.Pixels]);
        part.Absorb(b.Part!);
        return new SegmentedSymbol(part.Box, CropNormalizer.Normalize(part, maskWidth), a.Superscript && b.Superscript) { Part = part };
    }

    /// <summary>
    /// A symbol is an exponent when it sits raised against the base before it (bottom in the base's upper part, top not
    /// below the base's top by more than a tenth of its height) and is not larger than the base.
    /// A run of raised symbols stays an exponent until a symbol comes back down to the line.
    /// </summary>
    public static bool[] Superscripts(IReadOnlyList<Box> boxes)
    {
        var flags = new bool[boxes.Count];
        if (boxes.Count == 0) return flags;
        var heights = boxes.Select(b => b.Height).Order().ToList();
        double typical = heights[heights.Count / 2];
        int baseIndex = -1;
        for (int i = 0; i < boxes.Count; i++)
        {
            var s = boxes[i];
            bool flat = Flat(s); // '-' and '=' are operators, never exponents here
            if (baseIndex >= 0 && !flat)
            {
                var b = boxes[baseIndex];
                bool tallBase = b.Height >= 0.5 * typical && !Flat(b);
                // Raised: its bottom in the upper part of the base and its top above the base's. Not larger than the base.
                if (tallBase && s.Height <= 1.05 * b.Height && s.Bottom <= b.Y + 0.6 * b.Height && s.Y < b.Y + 0.1 * b.Height)
                {
                    flags[i] = true;
                    continue;
                }
            }
            if (!flat) baseIndex = i;
            else baseIndex = -1;
        }
        return flags;
    }
}
