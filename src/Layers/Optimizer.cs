namespace Solver.Layers;

/// <summary>
/// Updates parameters from their gradients. Its state (momentum, moment estimates) lives on the device and is named
/// per parameter, so that a checkpoint can save and restore it exactly.
/// </summary>
public abstract class Optimizer : IDisposable
{
    protected Optimizer(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        Parameters = parameters;
        LearningRate = learningRate;
    }

    protected IReadOnlyList<Parameter> Parameters { get; }
    public float LearningRate { get; set; }

    /// <summary>Steps taken so far (Adam's bias correction depends on it).</summary>
    public long Steps { get; set; }

    /// <summary>State tensors by a stable name, e.g. "sgd.0.weight" or "adam.m.0.weight".</summary>
    public abstract IEnumerable<(string Name, Tensor Value)> State { get; }

    public void Step()
    {
        Steps++;
        Update();
    }

    protected abstract void Update();

    public abstract void Dispose();
}
