using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Solver.Kernels;
using Solver.Layers;
using Solver.Trainer.Reports;

namespace Solver.Tests;

public sealed class LayerPicturesTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("solver-pictures-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Filters_show_sign_and_activations_show_every_conv_layer()
    {
        using var device = ComputeDevice.Create(AcceleratorChoice.Cpu);
        using var net = new Sequential(new Conv2d(1, 2, 3), new ReLU(), new MaxPool2d(2), new Conv2d(2, 3, 3), new ReLU(), new Flatten(), new Linear(3 * 7 * 7, 2));
        net.Build(device, 4, [1, 21, 21]);
        // Filter 0 all +1 (red), filter 1 all -1 (blue).
        net.Parameters[0].Value.CopyFrom([.. Enumerable.Repeat(1f, 9), .. Enumerable.Repeat(-1f, 9)]);
        net.Parameters[2].Value.CopyFrom([.. Enumerable.Repeat(0.1f, 2 * 3 * 9)]);

        Assert.True(LayerPictures.WriteFilters(dir, net));
        using (var filters = Image.Load<Rgb24>(Path.Combine(dir, LayerPictures.FiltersFile)))
        {
            Assert.Equal(new Rgb24(255, 0, 0), filters[2, 2]);
            Assert.Equal(new Rgb24(0, 0, 255), filters[filters.Width - 3, 2]);
        }

        var sample = new float[21 * 21];
        for (int i = 0; i < 21; i++) sample[10 * 21 + i] = 1; // one horizontal stroke
        Assert.True(LayerPictures.WriteActivations(dir, net, sample));
        using var acts = Image.Load<Rgb24>(Path.Combine(dir, LayerPictures.ActivationsFile));
        // Rows: the 21 px input, 2 maps of 19 px, 3 maps of 7 px, at 3 px a pixel and 4 px gaps.
        Assert.Equal(21 * 3 + 4 + 19 * 3 + 4 + 7 * 3, acts.Height);
        Assert.Equal(2 * (19 * 3 + 4) - 4, acts.Width); // the widest row: two 19 px maps
        Assert.Equal(new Rgb24(0, 0, 0), acts[30, 10 * 3 + 1]); // the stroke, dark
        Assert.Equal(new Rgb24(255, 255, 255), acts[30, 2]);    // the paper
    }

    [Fact]
    public void Activations_are_taken_after_a_conv_layers_batch_norm_and_relu()
    {
        using var device = ComputeDevice.Create(AcceleratorChoice.Cpu);
        using var net = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new ReLU(), new Flatten(), new Linear(2 * 19 * 19, 2));
        net.Build(device, 2, [1, 21, 21]);
        net.Parameters[0].Value.CopyFrom(new float[18]);       // the conv outputs 0 everywhere...
        net.Parameters.Single(p => p.Name == "1.bias").Value.CopyFrom([0.5f, 0.5f]); // ...and batch norm shifts it to 0.5
        Assert.True(LayerPictures.WriteActivations(dir, net, new float[21 * 21]));
        using var acts = Image.Load<Rgb24>(Path.Combine(dir, LayerPictures.ActivationsFile));
        Assert.Equal(21 * 3 + 4 + 19 * 3, acts.Height); // the input and one row for the conv block
        Assert.Equal(new Rgb24(0, 0, 0), acts[5, 21 * 3 + 4 + 5]); // 0.5, at its map's maximum: the block's output, not the raw conv's 0
    }
}
