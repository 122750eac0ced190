using ILGPU;
using Solver.Kernels;

namespace Solver.Layers;

/// <summary>
/// Updates parameters from their gradients. Its state (momentum, moment estimates) lives on the device and is named
/// per parameter, so that a checkpoint can save and restore it exactly. When the parameters are one
/// <see cref="ParameterBlock"/> (a Sequential packs its own), a step is one kernel launch over the whole block and
/// the state is laid out the same way; otherwise a step launches once per parameter.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly ParameterBlock? block;
    private readonly List<Tensor> ownedState = new();

    protected Optimizer(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        Parameters = parameters;
        LearningRate = learningRate;
        block = ParameterBlock.Of(parameters);
    }

    protected IReadOnlyList<Parameter> Parameters { get; }
    public float LearningRate { get; set; }

    /// <summary>Steps taken so far (Adam's bias correction depends on it).</summary>
    public long Steps { get; set; }

    /// <summary>Kernel launches per step: 1 for a packed block, else one per parameter.</summary>
    public int SegmentCount => block is null ? Parameters.Count : 1;

    /// <summary>State tensors by a stable name, e.g. "sgd.0.weight" or "adam.m.0.weight".</summary>
    public abstract IEnumerable<(string Name, Tensor Value)> State { get; }

    public void Step()
    {
        Steps++;
        Update();
    }

    protected abstract void Update();

    /// <summary>What launch <paramref name="segment"/> of a step updates: the whole block, or one parameter.</summary>
    protected (ComputeDevice Device, ArrayView<float> Values, ArrayView<float> Grads) Segment(int segment) => block is null
        ? (Parameters[segment].Value.Device, Parameters[segment].Value.View, Parameters[segment].Grad.View)
        : (block.Values.Device, block.Values.View, block.Grads.View);

    /// <summary>A zeroed state tensor per parameter, laid out like the parameters (one buffer for a block).</summary>
    protected StateTensors NewState()
    {
        if (block is null)
        {
            var each = Parameters.Select(p => Tensor.Zeros(p.Value.Device, p.Value.Shape)).ToList();
            ownedState.AddRange(each);
            return new StateTensors(each, null);
        }
        var flat = Tensor.Zeros(block.Values.Device, (int)block.Values.Length);
        ownedState.Add(flat);
        return new StateTensors(Enumerable.Range(0, Parameters.Count).Select(i => block.Slice(flat, i)).ToList(), flat);
    }

    protected sealed class StateTensors(IReadOnlyList<Tensor> perParameter, Tensor? flat)
    {
        public IReadOnlyList<Tensor> PerParameter { get; } = perParameter;

        public ArrayView<float> Segment(int segment) => flat?.View ?? PerParameter[segment].View;
    }

    public void Dispose()
    {
        foreach (var t in ownedState) t.Dispose();
        ownedState.Clear();
        GC.SuppressFinalize(this);
    }
}
