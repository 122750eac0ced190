using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Solver.Inference.Imaging;
using Solver.Inference.Rendering;

namespace Solver.Tests;

public class SegmentationTests
{
    private static Segmentation Segment(string text, int seed = 1, BinarizationMethod method = BinarizationMethod.Sauvola, Func<int, int, byte, byte>? damage = null)
    {
        using var img = StrokeRenderer.Render(text, new RenderStyle(), seed);
        var g = GrayImage.From(img);
        if (damage is not null)
            for (int y = 0; y < g.Height; y++)
            for (int x = 0; x < g.Width; x++) g.Pixels[y * g.Width + x] = damage(x, y, g.Pixels[y * g.Width + x]);
        return Segmenter.Segment(g, method);
    }

    [Theory]
    [InlineData("2x+3=7", 6)]
    [InlineData("x^2-5x+6=0", 9)]
    [InlineData("36:2*6-4", 8)]
    [InlineData("3(x+1)=2x-5", 11)]
    public void Symbols_are_found_once_each_with_equals_and_divide_merged(string text, int count)
    {
        for (int seed = 1; seed <= 5; seed++)
            Assert.Equal(count, Segment(text, seed).Symbols.Count);
    }

    [Fact]
    public void Reading_order_is_left_to_right_and_exponents_are_marked()
    {
        var s = Segment("x^2-5x^{2}+y^{12}=0", 3);
        Assert.Equal(new[] { false, true, false, false, false, true, false, false, true, true, false, false }, s.Symbols.Select(x => x.Superscript));
        Assert.True(s.Symbols.Zip(s.Symbols.Skip(1)).All(p => p.First.Box.X <= p.Second.Box.X));
    }

    [Fact]
    public void Equals_and_divide_become_one_symbol_each_even_when_drawn_in_pieces()
    {
        var eq = Segment("=", 2).Symbols.Single();
        var div = Segment(":", 2).Symbols.Single();
        Assert.True(eq.Box.Height > 10); // both bars inside
        Assert.True(div.Box.Height > eq.Box.Height); // dots above and below the bar
    }

    [Fact]
    public void Crops_look_like_the_dataset_one_pixel_strokes_filling_45_pixels()
    {
        foreach (var sym in Segment("2x+3=7", 4).Symbols)
        {
            var c = sym.Crop;
            int ink = c.Count(v => v > 0);
            Assert.InRange(ink / 2025.0, 0.01, 0.15); // the dataset averages about 5% ink with 1 px strokes
            int top = Enumerable.Range(0, 45).First(y => Enumerable.Range(0, 45).Any(x => c[y * 45 + x] > 0));
            int bottom = Enumerable.Range(0, 45).Last(y => Enumerable.Range(0, 45).Any(x => c[y * 45 + x] > 0));
            int left = Enumerable.Range(0, 45).First(x => Enumerable.Range(0, 45).Any(y => c[y * 45 + x] > 0));
            int right = Enumerable.Range(0, 45).Last(x => Enumerable.Range(0, 45).Any(y => c[y * 45 + x] > 0));
            Assert.True(bottom - top >= 42 || right - left >= 42, "the longer side spans the crop");
            // 1 px strokes: almost no ink pixel has ink on both its left and right and above and below (no 2x2 blocks).
            int blocks = 0;
            for (int y = 0; y < 44; y++)
            for (int x = 0; x < 44; x++)
                if (c[y * 45 + x] > 0 && c[y * 45 + x + 1] > 0 && c[(y + 1) * 45 + x] > 0 && c[(y + 1) * 45 + x + 1] > 0) blocks++;
            Assert.True(blocks <= 3, $"{blocks} 2x2 ink blocks: strokes are not thin");
        }
    }

    [Fact]
    public void Uneven_light_and_a_shadow_are_survived_by_the_adaptive_threshold()
    {
        // Paper from bright (left) to dark grey (right), with a shadow band: the ink stays darker than its surroundings.
        byte Damage(int x, int y, byte v)
        {
            double light = 1.0 - 0.55 * x / 600.0 - (y > 60 && y < 90 ? 0.15 : 0);
            return (byte)Math.Clamp(v * light, 0, 255);
        }
        var adaptive = Segment("2x+3=7", 5, BinarizationMethod.Sauvola, Damage);
        Assert.Equal(6, adaptive.Symbols.Count);
    }

    /// <summary>
    /// Ruled lines every 40 px, tilted 1.5 degrees, in dashes: what the threshold leaves of a faint printed line in a
    /// blurred, noisy photo. (A line dark and sharp enough to survive whole joins every symbol that crosses it into one
    /// part; that is not handled.)
    /// </summary>
    private static Func<int, int, byte, byte> Ruled() => (x, y, v) =>
    {
        double onLine = (y - 0.026 * x) % 40;
        bool line = onLine >= 0 && onLine < 1.2 && x % 11 < 6;
        return line ? Math.Min(v, (byte)90) : v;
    };

    [Theory]
    [InlineData("x^2-5x+6=0", 9)]
    [InlineData("2x+3=7", 6)]
    [InlineData("4-1=3", 5)]
    public void Ruled_lines_are_not_read_as_symbols(string text, int count)
    {
        for (int seed = 1; seed <= 3; seed++)
        {
            Assert.Equal(count, Segment(text, seed, damage: Ruled()).Symbols.Count);
        }
    }

    [Fact]
    public void Written_minus_signs_in_a_row_are_not_a_ruled_line()
    {
        for (int seed = 1; seed <= 5; seed++)
        {
            Assert.Equal(11, Segment("1-2-3-4-5-6", seed).Symbols.Count);
            Assert.Equal(9, Segment("x-1-2-3=0", seed).Symbols.Count);
        }
    }

    [Fact]
    public void A_crossbar_drawn_short_of_its_stem_may_be_a_plus()
    {
        var stem = new Box(192, 42, 29, 61);
        Assert.True(Segmenter.IsCrossbar(new Box(153, 68, 42, 9), stem));   // touching on the left, at mid-height ("-(")
        Assert.True(Segmenter.IsCrossbar(new Box(223, 70, 40, 8), stem));   // 2 px to the right
        Assert.False(Segmenter.IsCrossbar(new Box(140, 68, 42, 9), stem));  // a clear gap: a minus before it
        Assert.False(Segmenter.IsCrossbar(new Box(153, 44, 42, 9), stem));  // at the top: a 7's or a 5's bar
        Assert.False(Segmenter.IsCrossbar(new Box(150, 60, 42, 30), stem)); // not flat
    }

    [Fact]
    public void The_bars_of_an_equals_sign_are_one_symbol_when_one_is_slanted_into_the_others_rows()
    {
        static Component Part(Box b) => new(b, [b.Y * 1000 + b.X]);
        // Composed seed 4, photographed: the lower bar slants up into the rows of the upper one (3 px shared).
        var merged = Segmenter.MergeStacked([Part(new Box(335, 67, 43, 6)), Part(new Box(342, 70, 41, 12))]);
        Assert.Equal(new Box(335, 67, 48, 15), Assert.Single(merged).Box);
        // Two minus signs side by side on one line stay two, and so do bars at the same height that overlap.
        Assert.Equal(2, Segmenter.MergeStacked([Part(new Box(100, 60, 40, 6)), Part(new Box(150, 61, 40, 6))]).Count);
        Assert.Equal(2, Segmenter.MergeStacked([Part(new Box(100, 60, 40, 8)), Part(new Box(125, 62, 40, 8))]).Count);
    }

    [Fact]
    public void A_small_mark_above_or_below_the_line_is_dropped_but_not_one_on_it()
    {
        // Composed seed 8, photographed: a 4 x 1 px remnant of a ruled line under "-32" was read as a trailing '1'. Here
        // 8 x 2 px, as these strokes are thicker: above the specks' 1% of the median symbol (383 px), under a stray mark's 5%.
        var clean = Segment("4-1=3", 2);
        int top = clean.Symbols.Min(s => s.Box.Y), bottom = clean.Symbols.Max(s => s.Box.Bottom);
        // Past the last symbol, as that remnant was (under a symbol it would be stacked onto it).
        int after = clean.Symbols[^1].Box.Right + 6;
        Func<int, int, byte, byte> Mark(int x0, int y0) => (x, y, v) => x >= x0 && x < x0 + 8 && y >= y0 && y < y0 + 2 ? (byte)20 : v;
        Assert.Equal(5, Segment("4-1=3", 2, damage: Mark(after, bottom + 12)).Symbols.Count);
        Assert.Equal(5, Segment("4-1=3", 2, damage: Mark(after, top - 9)).Symbols.Count);
        // The same mark beside the line is kept: it might be a point or a minus sign.
        Assert.Equal(6, Segment("4-1=3", 2, damage: Mark(after, (top + bottom) / 2)).Symbols.Count);
    }

    [Fact]
    public void A_blank_image_has_no_symbols()
    {
        var blank = new GrayImage(200, 100, Enumerable.Repeat((byte)250, 20000).ToArray());
        Assert.Empty(Segmenter.Segment(blank, BinarizationMethod.Sauvola).Symbols);
        Assert.Empty(Segmenter.Segment(blank, BinarizationMethod.Otsu).Symbols);
    }
}
