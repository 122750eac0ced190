using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Solver.Trainer;

/// <summary>An image we refuse to decode; the message says why in plain words.</summary>
public sealed class ImageRejectedException(string message) : Exception(message);

/// <summary>
/// The only way the project decodes images. Its ImageSharp configuration knows PNG, JPEG and BMP and nothing
/// else, so a format we never need (GIF, TIFF, WebP...) cannot reach a decoder; dimensions are identified
/// from the header before any pixel is decoded, and oversized images are refused.
/// </summary>
public static class SafeImageLoader
{
    public const string AcceptedFormats = "PNG, JPEG, BMP";

    /// <summary>The default cap: 40 megapixels (a 12 MP phone photo is well inside), each side at most 16384.</summary>
    public const long DefaultMaxPixels = 40_000_000;
    public const int MaxSide = 16384;

    private static readonly Configuration configuration = new(
        new PngConfigurationModule(), new JpegConfigurationModule(), new BmpConfigurationModule());

    /// <summary>Decodes to 8-bit luminance, transparent pixels composited onto white, EXIF orientation applied.</summary>
    public static Image<L8> LoadGray(byte[] bytes, string name, long maxPixels = DefaultMaxPixels)
    {
        if (bytes.Length == 0) throw new ImageRejectedException($"{name}: the file is empty");
        IImageInfo? info;
        try
        {
            info = Image.Identify(configuration, bytes, out IImageFormat? _);
        }
        catch (Exception e)
        {
            // The decoders are the untrusted part: whatever they throw on crafted bytes (the fuzz test found
            // NullReference and InvalidOperation besides their own exceptions) is a refusal, never a crash.
            throw new ImageRejectedException($"{name}: not a readable image ({e.Message})");
        }
        if (info is null) throw new ImageRejectedException($"{name}: not an image in an accepted format ({AcceptedFormats})");
        if (info.Width < 1 || info.Height < 1) throw new ImageRejectedException($"{name}: the image has no pixels");
        if (info.Width > MaxSide || info.Height > MaxSide || (long)info.Width * info.Height > maxPixels)
            throw new ImageRejectedException($"{name}: {info.Width}x{info.Height} is larger than the limit of {maxPixels / 1_000_000} megapixels ({MaxSide} px a side)");
        try
        {
            var decoderOptions = configuration;
            using var rgba = Image.Load<Rgba32>(decoderOptions, bytes);
            rgba.Mutate(x => x.AutoOrient());
            var gray = new Image<L8>(rgba.Width, rgba.Height);
            rgba.ProcessPixelRows(gray, (src, dst) =>
            {
                for (int y = 0; y < src.Height; y++)
                {
                    var s = src.GetRowSpan(y);
                    var d = dst.GetRowSpan(y);
                    for (int x = 0; x < s.Length; x++)
                    {
                        var p = s[x];
                        float lum = 0.299f * p.R + 0.587f * p.G + 0.114f * p.B;
                        float a = p.A / 255f;
                        d[x] = new L8((byte)Math.Clamp(MathF.Round(a * lum + (1 - a) * 255f), 0, 255));
                    }
                }
            });
            return gray;
        }
        catch (Exception e)
        {
            throw new ImageRejectedException($"{name}: the image data is corrupt ({e.Message})");
        }
    }
}
