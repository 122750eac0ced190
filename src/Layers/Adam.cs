using Solver.Kernels;

namespace Solver.Layers;

/// <summary>Adam, or AdamW when <c>decoupled</c> (torch.optim.Adam / AdamW). Both moment estimates live on the device.</summary>
public sealed class Adam : Optimizer
{
    private readonly StateTensors first, second;

    public Adam(IReadOnlyList<Parameter> parameters, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0f, bool decoupled = false) : base(parameters, learningRate)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        Decoupled = decoupled;
        first = NewState();
        second = NewState();
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float WeightDecay { get; }
    public bool Decoupled { get; }

    public override IEnumerable<(string Name, Tensor Value)> State =>
        Parameters.Select((p, i) => ("adam.m." + p.Name, first.PerParameter[i]))
            .Concat(Parameters.Select((p, i) => ("adam.v." + p.Name, second.PerParameter[i])));

    protected override void Update()
    {
        // Bias corrections in double: beta2^t for t in the tens of thousands loses too much in float.
        var s = new AdamSettings
        {
            LearningRate = LearningRate, Beta1 = Beta1, Beta2 = Beta2, Epsilon = Epsilon, WeightDecay = WeightDecay,
            Correction1 = (float)(1 - Math.Pow(Beta1, Steps)), Correction2 = (float)(1 - Math.Pow(Beta2, Steps)),
            Decoupled = Decoupled ? 1 : 0,
        };
        for (int i = 0; i < SegmentCount; i++)
        {
            var (device, values, grads) = Segment(i);
            device.Adam.Step(values, grads, first.Segment(i), second.Segment(i), s);
        }
    }
}
