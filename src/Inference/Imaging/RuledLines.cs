namespace Solver.Inference.Imaging;

/// <summary>
/// Ruled paper: a faint printed line survives the local threshold only in pieces (a dotted trail of thin fragments
/// across the page) or, in a sharp photo, whole. Either way its pieces would be read as minus signs and bars. A ruled
/// line is told from a written minus or '=' by its extent: its thin pieces lie on one straight, nearly horizontal line
/// (the page may be tilted a little) that crosses most of the image, where a written equation's bars are a few short
/// pieces at the height of their neighbours' middle. Such lines are found with a small Hough transform over the thin
/// pieces and their pieces dropped. Strokes that cross a line keep the bit of it they touch. A whole line is dropped
/// only when it touches no symbol: one that crosses symbols joins them into one part, which is not handled.
/// </summary>
public static class RuledLines
{
    /// <summary>A piece at most this tall (px) may belong to a ruled line: one printed line, blurred and tilted a little.</summary>
    public const int MaxPieceHeight = 4;
    /// <summary>Tilts tried, in degrees either way (a page photographed by hand; the harsh photo damage tilts it up to 3).</summary>
    private const double MaxTiltDegrees = 3.5;
    private const double TiltStepDegrees = 0.25;
    /// <summary>A line: pieces within this distance (px) of it.</summary>
    private const double Tolerance = 2.0;
    /// <summary>A line's pieces must spread over this share of the image width ...</summary>
    private const double MinSpan = 0.6;
    /// <summary>... cover this share of it ...</summary>
    private const double MinCover = 0.25;
    /// <summary>... and be at least this many (or one piece as long as <see cref="MinSpan"/> of the width).</summary>
    private const int MinPieces = 4;

    /// <summary>The parts without the pieces of ruled lines.</summary>
    public static List<Component> Remove(List<Component> parts, int imageWidth)
    {
        if (imageWidth <= 0) return parts;
        var removed = new HashSet<Component>();
        foreach (var p in parts)
            if (p.Box.Width >= MinSpan * imageWidth && p.Box.Height <= Math.Max(MaxPieceHeight, 0.07 * p.Box.Width) && Thin(p))
                removed.Add(p); // a whole line, possibly tilted
        var lines = new List<Line>();
        var pieces = parts.Where(p => !removed.Contains(p) && p.Box.Height <= MaxPieceHeight && p.Box.Width >= p.Box.Height).ToList();
        for (int found = 0; found < 64 && pieces.Count >= MinPieces; found++)
        {
            var line = BestLine(pieces);
            if (line is not { } l) break;
            var on = pieces.Where(p => OnLine(p, l)).ToList();
            if (!IsRuledLine(on, imageWidth)) break;
            foreach (var p in on) removed.Add(p);
            lines.Add(l);
            pieces.RemoveAll(removed.Contains);
        }
        // Pieces of a found line that noise or blur made a little thicker, or that its fit missed by a pixel or two.
        foreach (var p in parts)
            if (p.Box.Height <= 2 * MaxPieceHeight && p.Box.Width >= p.Box.Height && lines.Any(l => Distance(p, l) <= 2 * Tolerance))
                removed.Add(p);
        return removed.Count == 0 ? parts : parts.Where(p => !removed.Contains(p)).ToList();
    }

    /// <summary>A long component is a line when it is one pixel row or so thick everywhere: at most a few pixels per column.</summary>
    private static bool Thin(Component p) => p.Pixels.Count <= MaxPieceHeight * p.Box.Width;

    private readonly record struct Line(double Slope, double Offset);

    /// <summary>How far (px, vertically) the piece's centre lies from the line.</summary>
    private static double Distance(Component p, Line l) => Math.Abs(p.Box.CenterY - (l.Offset + l.Slope * p.Box.CenterX));

    private static bool OnLine(Component p, Line l) => Distance(p, l) <= Tolerance;

    private static bool IsRuledLine(List<Component> on, int imageWidth)
    {
        if (on.Count == 0) return false;
        int span = on.Max(p => p.Box.Right) - on.Min(p => p.Box.X);
        int cover = on.Sum(p => p.Box.Width);
        return span >= MinSpan * imageWidth && cover >= MinCover * imageWidth && on.Count >= MinPieces;
    }

    /// <summary>The tilt and height with the most piece width on them (votes spread over neighbouring bins).</summary>
    private static Line? BestLine(List<Component> pieces)
    {
        Line? best = null;
        double bestVotes = 0;
        for (double deg = -MaxTiltDegrees; deg <= MaxTiltDegrees + 1e-9; deg += TiltStepDegrees)
        {
            double slope = Math.Tan(deg * Math.PI / 180);
            var votes = new Dictionary<int, double>();
            foreach (var p in pieces)
            {
                int bin = (int)Math.Round(p.Box.CenterY - slope * p.Box.CenterX);
                for (int d = -2; d <= 2; d++) votes[bin + d] = votes.GetValueOrDefault(bin + d) + p.Box.Width;
            }
            foreach (var (bin, v) in votes)
                if (v > bestVotes) { bestVotes = v; best = new Line(slope, bin); }
        }
        return best;
    }
}
