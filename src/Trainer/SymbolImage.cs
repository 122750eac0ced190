using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Solver.Trainer;

/// <summary>
/// The one input convention of every model: 45x45, one channel, ink bright on a dark background, as bytes
/// 0..255 (0 = paper) that become floats in [0, 1]. Dark ink on light paper is inverted on the way in.
/// </summary>
public static class SymbolImage
{
    public const int Size = 45;
    public const int Pixels = Size * Size;

    /// <summary>A grey level darker than this (on 0..255, paper white) counts as ink when looking for the symbol.</summary>
    public const byte InkThreshold = 128;

    public const string PreprocessingDescription =
        "45x45 grayscale, ink bright (1.0) on dark (0.0), value = (255 - gray) / 255. 45x45 images are used as they are. " +
        "A larger image whose ink lies in its centred 45x45 window (Kaggle originals padded onto 300x300) is cropped to that window. " +
        "Any other image: the ink's bounding box is scaled, aspect kept, until its longer side spans 45 px, and centred.";

    /// <summary>Converts a decoded grayscale image (paper light) to the 45x45 ink-bright bytes.</summary>
    public static byte[] Normalize(Image<L8> gray)
    {
        int w = gray.Width, h = gray.Height;
        var ink = new byte[w * h];
        gray.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < h; y++)
            {
                var r = rows.GetRowSpan(y);
                for (int x = 0; x < w; x++) ink[y * w + x] = (byte)(255 - r[x].PackedValue);
            }
        });
        if (w == Size && h == Size) return ink;

        // Kaggle originals pasted in the middle of a larger canvas: crop, never resize.
        int cx = (w - Size) / 2, cy = (h - Size) / 2;
        if (w >= Size && h >= Size && InkOutside(ink, w, h, cx, cy) <= 2)
        {
            var crop = new byte[Pixels];
            for (int y = 0; y < Size; y++) Array.Copy(ink, (cy + y) * w + cx, crop, y * Size, Size);
            return crop;
        }
        return FitInkBox(ink, w, h);
    }

    private static int InkOutside(byte[] ink, int w, int h, int cx, int cy)
    {
        int count = 0;
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (ink[y * w + x] > 255 - InkThreshold && (x < cx || x >= cx + Size || y < cy || y >= cy + Size)) count++;
        return count;
    }

    /// <summary>Scales the ink's bounding box into 45x45 with its aspect kept, centred, as the dataset was rendered.</summary>
    public static byte[] FitInkBox(byte[] ink, int w, int h)
    {
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (ink[y * w + x] > 255 - InkThreshold)
            {
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                if (y > y1) y1 = y;
            }
        var result = new byte[Pixels];
        if (x1 < 0) return result; // blank
        int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
        float scale = (float)Size / Math.Max(bw, bh);
        int tw = Math.Max(1, Math.Min(Size, (int)MathF.Round(bw * scale)));
        int th = Math.Max(1, Math.Min(Size, (int)MathF.Round(bh * scale)));
        using var box = new Image<L8>(bw, bh);
        box.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < bh; y++)
            {
                var r = rows.GetRowSpan(y);
                for (int x = 0; x < bw; x++) r[x] = new L8(ink[(y0 + y) * w + x0 + x]);
            }
        });
        box.Mutate(m => m.Resize(tw, th, KnownResamplers.Triangle));
        int ox = (Size - tw) / 2, oy = (Size - th) / 2;
        box.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < th; y++)
            {
                var r = rows.GetRowSpan(y);
                for (int x = 0; x < tw; x++) result[(oy + y) * Size + ox + x] = r[x].PackedValue;
            }
        });
        return result;
    }
}
