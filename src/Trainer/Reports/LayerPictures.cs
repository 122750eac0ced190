using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Solver.Layers;

namespace Solver.Trainer.Reports;

/// <summary>
/// What the network learned, as the reference's report showed it: the first conv layer's filters, and the feature maps
/// that every conv layer (after its ReLU) makes of one sample image.
/// </summary>
public static class LayerPictures
{
    public const string FiltersFile = "filters.png", ActivationsFile = "activations.png";
    private const int Gap = 4, PerRow = 8;

    /// <summary>Each output channel's kernel (averaged over input channels), red positive, blue negative, white 0.</summary>
    public static bool WriteFilters(string dir, Sequential net)
    {
        if (net.Layers.OfType<Conv2d>().FirstOrDefault() is not { } conv) return false;
        var w = conv.Parameters[0].Value.ToArray();
        int k = conv.KernelSize, inC = conv.InChannels, outC = conv.OutChannels;
        var tiles = new List<float[]>();
        for (int o = 0; o < outC; o++)
        {
            var tile = new float[k * k];
            for (int c = 0; c < inC; c++)
            for (int i = 0; i < k * k; i++) tile[i] += w[(o * inC + c) * k * k + i] / inC;
            tiles.Add(tile);
        }
        float scale = tiles.SelectMany(t => t).Select(Math.Abs).DefaultIfEmpty(0).Max();
        int cell = Math.Max(4, 96 / k);
        using var image = Grid(tiles.Select(t => (t, k, k)).ToList(), cell, v => Diverging(scale > 0 ? v / scale : 0));
        Save(image, Path.Combine(dir, FiltersFile));
        return true;
    }

    /// <summary>Row 0 is the input; then one row of feature maps per conv layer (after its batch norm and ReLU), each map scaled to its own maximum.</summary>
    public static bool WriteActivations(string dir, Sequential net, ReadOnlySpan<float> sample)
    {
        if (!net.Layers.OfType<Conv2d>().Any()) return false;
        int[] shape = net.InputShape;
        using var input = Solver.Layers.Tensor.Zeros(net.Device, [net.BatchCapacity, .. shape]);
        input.CopyFrom(sample);
        net.Train(false);
        var rows = new List<List<(float[] Data, int W, int H)>> { Planes(input.ToArray(), shape) };
        // A conv layer's maps are shown where its block of per-pixel layers (batch norm, ReLU) ends.
        static bool PerPixel(Module m) => m is BatchNorm2d or ReLU;
        var x = input;
        bool inConvBlock = false;
        for (int i = 0; i < net.Layers.Count; i++)
        {
            var layer = net.Layers[i];
            x = layer.Forward(x, 1);
            inConvBlock = layer is Conv2d || inConvBlock && PerPixel(layer);
            if (inConvBlock && !(i + 1 < net.Layers.Count && PerPixel(net.Layers[i + 1])))
                rows.Add(Planes(x.ToArray(), layer.OutputShape));
        }
        var images = rows.Select(r => Grid(r, 3, Gray, normalise: true)).ToList();
        int width = images.Max(i => i.Width), height = images.Sum(i => i.Height) + Gap * (images.Count - 1);
        using var all = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        int y = 0;
        foreach (var img in images)
        {
            for (int r = 0; r < img.Height; r++)
            for (int c = 0; c < img.Width; c++) all[c, y + r] = img[c, r];
            y += img.Height + Gap;
            img.Dispose();
        }
        Save(all, Path.Combine(dir, ActivationsFile));
        return true;
    }

    private static List<(float[] Data, int W, int H)> Planes(float[] data, int[] chw)
    {
        int c = chw[0], h = chw[1], w = chw[2];
        return [.. Enumerable.Range(0, c).Select(i => (data.AsSpan(i * h * w, h * w).ToArray(), w, h))];
    }

    private static Image<Rgb24> Grid(IReadOnlyList<(float[] Data, int W, int H)> tiles, int cell, Func<float, Rgb24> color, bool normalise = false)
    {
        int tw = tiles.Max(t => t.W) * cell, th = tiles.Max(t => t.H) * cell;
        int cols = Math.Min(PerRow, tiles.Count), rows = (tiles.Count + PerRow - 1) / PerRow;
        var image = new Image<Rgb24>(cols * (tw + Gap) - Gap, rows * (th + Gap) - Gap, new Rgb24(255, 255, 255));
        for (int t = 0; t < tiles.Count; t++)
        {
            var (data, w, h) = tiles[t];
            float max = normalise ? Math.Max(1e-6f, data.Max()) : 1;
            int ox = t % PerRow * (tw + Gap), oy = t / PerRow * (th + Gap);
            for (int y = 0; y < h * cell; y++)
            for (int x = 0; x < w * cell; x++)
                image[ox + x, oy + y] = color(data[y / cell * w + x / cell] / max);
        }
        return image;
    }

    private static Rgb24 Diverging(float v)
    {
        v = Math.Clamp(v, -1, 1);
        byte fade = (byte)(255 * (1 - Math.Abs(v)));
        return v >= 0 ? new Rgb24(255, fade, fade) : new Rgb24(fade, fade, 255);
    }

    /// <summary>Dark ink on white, as the symbols are drawn: strong activation is dark.</summary>
    private static Rgb24 Gray(float v)
    {
        byte g = (byte)(255 * (1 - Math.Clamp(v, 0, 1)));
        return new Rgb24(g, g, g);
    }

    private static void Save(Image image, string path) => AtomicFile.Write(path, s => image.SaveAsPng(s));
}
