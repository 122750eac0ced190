using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Solver.Inference.Rendering;

namespace Solver.Bench;

/// <summary>
/// Symbols drawn by the project's own stroke renderer, one per 45x45 image, ink bright on a blank (zero) page as the
/// trainer feeds them: what a first layer reads, for the kernels that skip the input's zeros. Not the dataset's
/// images, which the benchmark does not need.
/// </summary>
public static class StrokeImages
{
    private const string Symbols = "0123456789+-=()xyzuvw/*:";

    /// <summary>n images of side × side, the fraction of their pixels that are inked.</summary>
    public static (float[] Pixels, double Inked) Batch(int n, int side, int seed)
    {
        var rng = new Random(seed);
        var pixels = new float[n * side * side];
        var style = new RenderStyle(Height: side - 8, PenWidth: 1.3, Margin: 4);
        for (int i = 0; i < n; i++)
        {
            using var img = StrokeRenderer.Render(Symbols[rng.Next(Symbols.Length)].ToString(), style, rng.Next());
            int dx = (side - img.Width) / 2, dy = (side - img.Height) / 2;
            for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                int tx = x + dx, ty = y + dy;
                if (tx >= 0 && tx < side && ty >= 0 && ty < side)
                    pixels[(i * side + ty) * side + tx] = (255 - img[x, y].PackedValue) / 255f;
            }
        }
        return (pixels, pixels.Count(v => v != 0f) / (double)pixels.Length);
    }
}
