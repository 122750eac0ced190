using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Solver.Inference.Imaging;

/// <summary>A plain 8-bit grayscale raster (0 black, 255 white), row-major.</summary>
public sealed class GrayImage(int width, int height, byte[] pixels)
{
    public int Width { get; } = width;
    public int Height { get; } = height;
    public byte[] Pixels { get; } = pixels;

    public byte this[int x, int y] => Pixels[y * Width + x];

    public static GrayImage From(Image<L8> image)
    {
        var px = new byte[image.Width * image.Height];
        image.CopyPixelDataTo(px);
        return new GrayImage(image.Width, image.Height, px);
    }
}

/// <summary>A binary mask: true where there is ink.</summary>
public sealed class InkMask(int width, int height, bool[] ink)
{
    public int Width { get; } = width;
    public int Height { get; } = height;
    public bool[] Ink { get; } = ink;
    public bool this[int x, int y] => Ink[y * Width + x];
}
