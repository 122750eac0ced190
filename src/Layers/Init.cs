namespace Solver.Layers;

public enum InitKind
{
    /// <summary>Glorot (Xavier) uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)).</summary>
    GlorotUniform,
    /// <summary>He (Kaiming) normal for ReLU nets: N(0, 2 / fan_in).</summary>
    HeNormal,
    /// <summary>He uniform: U(-a, a), a = sqrt(6 / fan_in).</summary>
    HeUniform,
    /// <summary>Small normal N(0, 0.01^2): the reference's Model 1.1 without Glorot.</summary>
    SmallNormal,
}

/// <summary>Seeded parameter initialisation. Biases start at zero. The same seed gives the same weights on every accelerator.</summary>
public static class Init
{
    public static InitKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "glorot" or "glorot_uniform" or "xavier" or "xavier_uniform" => InitKind.GlorotUniform,
        "he" or "he_normal" or "kaiming" or "kaiming_normal" => InitKind.HeNormal,
        "he_uniform" or "kaiming_uniform" => InitKind.HeUniform,
        "normal" or "small_normal" or "none" => InitKind.SmallNormal,
        _ => throw new ArgumentException($"unknown init '{name}'; expected glorot_uniform, he_normal, he_uniform or small_normal"),
    };

    public static void Apply(Module model, InitKind kind, int seed)
    {
        var rng = new Random(seed);
        foreach (var p in model.Parameters)
        {
            var data = new float[p.Value.Length];
            if (p.InitialValue is { } constant) Array.Fill(data, constant);
            else if (!p.IsBias)
                for (int i = 0; i < data.Length; i++) data[i] = Sample(rng, kind, p.FanIn, p.FanOut);
            p.Value.CopyFrom(data);
        }
        model.Device.Synchronize();
    }

    private static float Sample(Random rng, InitKind kind, int fanIn, int fanOut) => kind switch
    {
        InitKind.GlorotUniform => Uniform(rng, MathF.Sqrt(6f / (fanIn + fanOut))),
        InitKind.HeUniform => Uniform(rng, MathF.Sqrt(6f / fanIn)),
        InitKind.HeNormal => Normal(rng) * MathF.Sqrt(2f / fanIn),
        _ => Normal(rng) * 0.01f,
    };

    private static float Uniform(Random rng, float a) => (float)((rng.NextDouble() * 2 - 1) * a);

    private static float Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
