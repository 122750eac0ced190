using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// Inverted dropout with a counter-based random mask: element i of step s keeps its value (scaled by 1/(1-p)) unless
/// hash(seed, s, i) falls under p. The mask is a pure function of (seed, step, index), so it needs no random state on
/// the device, and a resumed run that replays the same steps draws the same masks.
/// </summary>
public static class DropoutKernels
{
    /// <summary>A 32-bit integer hash (lowbias32 finalizer) of the three counters, mapped to [0, 1).</summary>
    public static float Uniform(uint seed, uint step, uint index)
    {
        uint h = index * 0x9E3779B1u ^ step * 0x85EBCA77u ^ seed * 0xC2B2AE3Du;
        h ^= h >> 16; h *= 0x7FEB352Du;
        h ^= h >> 15; h *= 0x846CA68Bu;
        h ^= h >> 16;
        return (h >> 8) * (1f / 16777216f);
    }

    /// <summary>mask = keep ? 1/(1-p) : 0; y = x * mask.</summary>
    public static void Forward(Index1D thread, ArrayView<float> x, ArrayView<float> y, ArrayView<float> mask, float p, uint seed, uint step, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        float scale = 1f / (1f - p);
        for (int i = grid.Start(thread); i < grid.End(thread); i++)
        {
            float m = Uniform(seed, step, (uint)i) >= p ? scale : 0f;
            mask[i] = m;
            y[i] = x[i] * m;
        }
    }

    /// <summary>dx = dy * mask: the same elements pass, with the same scale.</summary>
    public static void Backward(Index1D thread, ArrayView<float> dy, ArrayView<float> mask, ArrayView<float> dx, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        for (int i = grid.Start(thread); i < grid.End(thread); i++)
            dx[i] = dy[i] * mask[i];
    }
}

public sealed class DropoutOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, uint, uint, ChunkGrid> forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ChunkGrid> backward;

    internal DropoutOps(ComputeDevice device)
    {
        this.device = device;
        forward = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, uint, uint, ChunkGrid>(DropoutKernels.Forward);
        backward = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ChunkGrid>(DropoutKernels.Backward);
    }

    public void Forward(ArrayView<float> x, ArrayView<float> y, ArrayView<float> mask, int count, float p, uint seed, uint step)
    {
        var grid = ChunkGrid.For(device.WorkShape, count, device.Processors);
        if (grid.ThreadCount > 0) forward(device.Launch(), grid.ThreadCount, x, y, mask, p, seed, step, grid);
    }

    public void Backward(ArrayView<float> dy, ArrayView<float> mask, ArrayView<float> dx, int count)
    {
        var grid = ChunkGrid.For(device.WorkShape, count, device.Processors);
        if (grid.ThreadCount > 0) backward(device.Launch(), grid.ThreadCount, dy, mask, dx, grid);
    }
}
