using Solver.Kernels;

namespace Solver.Layers;

/// <summary>
/// A network's parameters laid end to end in one value buffer and one gradient buffer, so that an optimizer
/// updates all of them in one kernel launch instead of one per tensor (a model this small is bound by launches
/// on a GPU, and each launch costs a fraction of a millisecond on the CPU accelerator too). Each parameter starts
/// on a 64-byte boundary; the gaps hold zeros and zero gradients, which no update moves.
/// </summary>
public sealed class ParameterBlock : IDisposable
{
    private const int Alignment = 16;

    private ParameterBlock(IReadOnlyList<Parameter> parameters, long[] offsets, Tensor values, Tensor grads)
    {
        Parameters = parameters;
        Offsets = offsets;
        Values = values;
        Grads = grads;
    }

    public IReadOnlyList<Parameter> Parameters { get; }
    public IReadOnlyList<long> Offsets { get; }
    public Tensor Values { get; }
    public Tensor Grads { get; }

    /// <summary>Moves the parameters (their current values and gradients) into one new block, in order.</summary>
    public static ParameterBlock Pack(ComputeDevice device, IReadOnlyList<Parameter> parameters)
    {
        var offsets = new long[parameters.Count];
        long length = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            offsets[i] = length;
            length += (parameters[i].Value.Length + Alignment - 1) / Alignment * Alignment;
        }
        var values = Tensor.Zeros(device, (int)Math.Max(length, 1));
        var grads = Tensor.Zeros(device, (int)Math.Max(length, 1));
        var block = new ParameterBlock(parameters.ToList(), offsets, values, grads);
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            p.Value.MoveInto(values.View.SubView(offsets[i], p.Value.Length));
            p.Grad.MoveInto(grads.View.SubView(offsets[i], p.Grad.Length));
            p.Block = block;
        }
        return block;
    }

    /// <summary>The block holding exactly these parameters in this order, or null when they are not packed so.</summary>
    public static ParameterBlock? Of(IReadOnlyList<Parameter> parameters) =>
        parameters.Count > 0 && parameters[0].Block is { } b && b.Parameters.SequenceEqual(parameters) ? b : null;

    /// <summary>Parameter i's span of a tensor laid out like the block (an optimizer's state), with the parameter's shape.</summary>
    public Tensor Slice(Tensor flat, int i) => flat.Slice(Offsets[i], Parameters[i].Value.Shape);

    public void Dispose()
    {
        Values.Dispose();
        Grads.Dispose();
    }
}
