using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>ReLU, forward and backward, over flat chunks, read and written through raw pointers (see <see cref="ConvKernels"/>).</summary>
public static class ActivationKernels
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ReluForward(Index1D thread, ArrayView<float> x, ArrayView<float> y, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        fixed (float* xp = &x[0])
        fixed (float* yp = &y[0])
            for (int i = grid.Start(thread); i < grid.End(thread); i++)
                yp[i] = xp[i] > 0f ? xp[i] : 0f;
    }

    /// <summary>dx = dy where the forward output was positive. Reading y, not x, lets the forward run in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ReluBackward(Index1D thread, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        fixed (float* yp = &y[0])
        fixed (float* dyp = &dy[0])
        fixed (float* dxp = &dx[0])
            for (int i = grid.Start(thread); i < grid.End(thread); i++)
                dxp[i] = yp[i] > 0f ? dyp[i] : 0f;
    }
}

public sealed class ActivationOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ChunkGrid> reluForward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ChunkGrid> reluBackward;

    internal ActivationOps(ComputeDevice device)
    {
        this.device = device;
        reluForward = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ChunkGrid>(ActivationKernels.ReluForward);
        reluBackward = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ChunkGrid>(ActivationKernels.ReluBackward);
    }

    public void ReluForward(ArrayView<float> x, ArrayView<float> y, int length)
    {
        var grid = ChunkGrid.For(device.WorkShape, length, device.Processors);
        if (grid.ThreadCount > 0) reluForward(device.Launch(), grid.ThreadCount, x, y, grid);
    }

    public void ReluBackward(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int length)
    {
        var grid = ChunkGrid.For(device.WorkShape, length, device.Processors);
        if (grid.ThreadCount > 0) reluBackward(device.Launch(), grid.ThreadCount, y, dy, dx, grid);
    }
}
