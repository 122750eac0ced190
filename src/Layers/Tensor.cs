using ILGPU;
using ILGPU.Runtime;
using Solver.Kernels;

namespace Solver.Layers;

/// <summary>
/// A float32 tensor on the device, NCHW. Either owns its buffer or is a view of another tensor's
/// (a reshape, as Flatten does), so views never copy.
/// </summary>
public sealed class Tensor : IDisposable
{
    private MemoryBuffer1D<float, Stride1D.Dense>? owner;

    private Tensor(ComputeDevice device, int[] shape, ArrayView<float> view, MemoryBuffer1D<float, Stride1D.Dense>? owner)
    {
        Device = device;
        Shape = shape;
        View = view;
        this.owner = owner;
    }

    public ComputeDevice Device { get; }
    public int[] Shape { get; }
    public ArrayView<float> View { get; private set; }
    public long Length => View.Length;

    public static Tensor Zeros(ComputeDevice device, params int[] shape)
    {
        long length = ShapeUtil.Product(shape);
        var buffer = device.Allocate(length);
        buffer.MemSetToZero();
        return new Tensor(device, (int[])shape.Clone(), buffer.View.SubView(0, length), buffer);
    }

    public static Tensor FromArray(ComputeDevice device, float[] data, params int[] shape)
    {
        var t = Zeros(device, shape);
        if (data.Length != t.Length) throw new ArgumentException($"data has {data.Length} values, shape {ShapeUtil.Format(shape)} needs {t.Length}");
        t.CopyFrom(data);
        return t;
    }

    /// <summary>The same memory seen with another shape of the same size.</summary>
    public Tensor Reshape(params int[] shape)
    {
        if (ShapeUtil.Product(shape) != Length)
            throw new ArgumentException($"cannot reshape {ShapeUtil.Format(Shape)} to {ShapeUtil.Format(shape)}");
        return new Tensor(Device, (int[])shape.Clone(), View, null);
    }

    /// <summary>A view of <paramref name="shape"/>'s size starting at <paramref name="offset"/> of this tensor's memory.</summary>
    public Tensor Slice(long offset, params int[] shape)
    {
        long length = ShapeUtil.Product(shape);
        if (offset < 0 || offset + length > Length)
            throw new ArgumentException($"a slice of {length} at {offset} does not fit a tensor of {Length}");
        return new Tensor(Device, (int[])shape.Clone(), View.SubView(offset, length), null);
    }

    /// <summary>
    /// Copies the values into <paramref name="target"/> (same length) and lives there from then on, freeing its own
    /// buffer: how a parameter joins a <see cref="ParameterBlock"/> while every layer keeps its reference.
    /// A view taken of the tensor before the move (Reshape, Slice) still sees the old memory.
    /// </summary>
    public void MoveInto(ArrayView<float> target)
    {
        if (target.Length != Length) throw new ArgumentException($"cannot move {Length} values into {target.Length}");
        View.CopyTo(Device.Stream, target);
        Device.Synchronize();
        owner?.Dispose();
        owner = null;
        View = target;
    }

    public void CopyFrom(ReadOnlySpan<float> data)
    {
        if (data.Length > Length) throw new ArgumentException($"{data.Length} values do not fit a tensor of {Length}");
        View.SubView(0, data.Length).CopyFromCPU(Device.Stream, data);
    }

    public float[] ToArray()
    {
        var result = new float[Length];
        View.CopyToCPU(Device.Stream, result);
        Device.Synchronize();
        return result;
    }

    /// <summary>Waits for the device, then copies the first destination.Length values to the host.</summary>
    public void CopyTo(Span<float> destination)
    {
        View.SubView(0, destination.Length).CopyToCPU(Device.Stream, destination);
        Device.Synchronize();
    }

    public void Zero() => View.MemSetToZero(Device.Stream);

    public void Dispose() => owner?.Dispose();
}

public static class ShapeUtil
{
    public static long Product(IEnumerable<int> shape)
    {
        long p = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension in shape");
            p *= d;
        }
        return p;
    }

    public static string Format(IEnumerable<int> shape) => "[" + string.Join(", ", shape) + "]";
}
