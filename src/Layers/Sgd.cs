using Solver.Kernels;

namespace Solver.Layers;

/// <summary>SGD with optional momentum, Nesterov and weight decay (PyTorch's torch.optim.SGD). Velocity lives on the device.</summary>
public sealed class Sgd : IDisposable
{
    private readonly IReadOnlyList<Parameter> parameters;
    private readonly List<Tensor> velocities;

    public Sgd(IReadOnlyList<Parameter> parameters, float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false)
    {
        this.parameters = parameters;
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        velocities = parameters.Select(p => Tensor.Zeros(p.Value.Device, p.Value.Shape)).ToList();
    }

    public float LearningRate { get; set; }
    public float Momentum { get; }
    public float WeightDecay { get; }
    public bool Nesterov { get; }

    /// <summary>Momentum buffers by parameter name, for checkpoints.</summary>
    public IEnumerable<(string Name, Tensor Velocity)> State => parameters.Select((p, i) => (p.Name, velocities[i]));

    public void Step()
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            // Every parameter is decayed, biases too, exactly as torch.optim.SGD does, so runs compare one to one.
            var s = new SgdSettings { LearningRate = LearningRate, Momentum = Momentum, WeightDecay = WeightDecay, Nesterov = Nesterov ? 1 : 0 };
            p.Value.Device.Sgd.Step(p.Value.View, p.Grad.View, velocities[i].View, s);
        }
    }

    public void Dispose()
    {
        foreach (var v in velocities) v.Dispose();
    }
}
