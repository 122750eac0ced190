using Solver.Kernels;

namespace Solver.Layers;

/// <summary>A trainable tensor and its gradient, named as in a PyTorch state_dict (e.g. <c>3.weight</c>).</summary>
public sealed class Parameter
{
    public Parameter(string name, Tensor value, Tensor grad, int fanIn, int fanOut, bool isBias)
    {
        Name = name; Value = value; Grad = grad; FanIn = fanIn; FanOut = fanOut; IsBias = isBias;
    }

    public string Name { get; internal set; }
    public Tensor Value { get; }
    public Tensor Grad { get; }
    public int FanIn { get; }
    public int FanOut { get; }
    public bool IsBias { get; }
    /// <summary>A constant every init starts it at (a batch norm's scale starts at 1); null: by fan-in/out, or 0 for a bias.</summary>
    public float? InitialValue { get; init; }
    /// <summary>The block the parameter was packed into, if any (<see cref="ParameterBlock"/>).</summary>
    public ParameterBlock? Block { get; internal set; }
}

/// <summary>State that is saved and loaded with the weights but not trained (a batch norm's running statistics).</summary>
public sealed record Buffer(string Name, Tensor Value);

/// <summary>Raised when a layer cannot take the shape it is given; the message names the layer and both shapes.</summary>
public sealed class ShapeException(string message) : Exception(message);

/// <summary>
/// A layer. Shapes are per sample (no batch dimension). <see cref="Build"/> allocates every buffer the layer
/// will ever need for a batch capacity, so Forward and Backward never allocate; they take the live batch size n.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<Tensor> owned = new();

    /// <summary>The layer's name in error messages and parameter names: its index in a Sequential.</summary>
    public string Name { get; set; } = "";

    /// <summary>Whether Backward must produce the gradient to the input (false for a network's first layer).</summary>
    public bool ComputeInputGradient { get; set; } = true;

    /// <summary>Training mode (true, as a new PyTorch module) or evaluation mode: dropout and batch norm behave differently.</summary>
    public bool Training { get; set; } = true;

    public ComputeDevice Device { get; private set; } = null!;
    public int BatchCapacity { get; private set; }
    public int[] InputShape { get; private set; } = [];
    public int[] OutputShape { get; private set; } = [];

    public abstract string Describe();

    /// <summary>The per-sample output shape for a per-sample input shape; throws <see cref="ShapeException"/>.</summary>
    public abstract int[] InferOutputShape(int[] inputShape);

    public void Build(ComputeDevice device, int batchCapacity, int[] inputShape)
    {
        Device = device;
        BatchCapacity = batchCapacity;
        InputShape = (int[])inputShape.Clone();
        OutputShape = InferOutputShape(inputShape);
        Allocate();
    }

    protected abstract void Allocate();

    public abstract Tensor Forward(Tensor x, int n);

    /// <summary>Takes dL/dy, writes the parameter gradients, returns dL/dx (or null when not asked for).</summary>
    public abstract Tensor? Backward(Tensor dy, int n);

    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Saved and loaded with the parameters, never touched by an optimizer.</summary>
    public virtual IReadOnlyList<Buffer> Buffers => [];

    /// <summary>Whether the layer has trainable parameters; known before Build.</summary>
    public virtual bool HasParameters => false;

    protected Tensor Own(Tensor t)
    {
        owned.Add(t);
        return t;
    }

    protected Tensor NewBatchTensor(int[] perSample) => Own(Tensor.Zeros(Device, [BatchCapacity, .. perSample]));

    protected ShapeException ShapeError(string expected, int[] actual) =>
        new($"layer {Name} ({Describe()}): expected input {expected}, got {ShapeUtil.Format(actual)}");

    public virtual void Dispose()
    {
        foreach (var t in owned) t.Dispose();
        owned.Clear();
        GC.SuppressFinalize(this);
    }
}
