using Solver.Trainer;

namespace Solver.Inference.Imaging;

/// <summary>Makes a symbol crop look like the training images, through the shared <see cref="SkeletonImage"/> convention.</summary>
public static class CropNormalizer
{
    public const int Size = SymbolImage.Size;

    /// <summary>Returns 45x45 bytes, ink 255 on 0, from a symbol's pixels in a mask of the given width.</summary>
    public static byte[] Normalize(Component c, int maskWidth)
    {
        var box = c.Box;
        int w = box.Width + 2, h = box.Height + 2; // one pixel of border for the thinning
        var grid = new bool[w * h];
        foreach (var p in c.Pixels)
        {
            int x = p % maskWidth - box.X + 1, y = p / maskWidth - box.Y + 1;
            grid[y * w + x] = true;
        }
        return SkeletonImage.FromMask(grid, w, h);
    }
}
