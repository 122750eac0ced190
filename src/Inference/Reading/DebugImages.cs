using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Solver.Inference.Imaging;

namespace Solver.Inference.Reading;

/// <summary>
/// --debug-dir: the ink mask, and for each symbol its region in the input beside the normalized 45x45 crop the
/// recognizer saw (dark ink on white, as a person reads it), named by index and label.
/// </summary>
public static class DebugImages
{
    public static void Write(string dir, GrayImage gray, Segmentation seg, IReadOnlyList<Prediction> predictions)
    {
        Directory.CreateDirectory(dir);
        using (var mask = new Image<L8>(seg.Mask.Width, seg.Mask.Height))
        {
            for (int y = 0; y < mask.Height; y++)
            for (int x = 0; x < mask.Width; x++) mask[x, y] = new L8(seg.Mask[x, y] ? (byte)0 : (byte)255);
            mask.SaveAsPng(Path.Combine(dir, "mask.png"));
        }
        for (int i = 0; i < seg.Symbols.Count; i++)
        {
            var s = seg.Symbols[i];
            // Left: the input region scaled to 45 px high; right: the crop as the recognizer saw it.
            double scale = 45.0 / Math.Max(s.Box.Width, s.Box.Height);
            int w = Math.Max(1, (int)(s.Box.Width * scale)), h = Math.Max(1, (int)(s.Box.Height * scale));
            using var pair = new Image<L8>(45 + 4 + 45, 45, new L8(255));
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int sx = Math.Min(gray.Width - 1, s.Box.X + (int)(x / scale)), sy = Math.Min(gray.Height - 1, s.Box.Y + (int)(y / scale));
                pair[x, y] = new L8(gray[sx, sy]);
            }
            for (int y = 0; y < 45; y++)
            for (int x = 0; x < 45; x++) pair[49 + x, y] = new L8((byte)(255 - s.Crop[y * 45 + x]));
            var label = string.Concat(predictions[i].Label.Select(c => char.IsLetterOrDigit(c) ? c : '_'));
            pair.SaveAsPng(Path.Combine(dir, $"symbol{i:D2}_{label}.png"));
        }
    }
}
