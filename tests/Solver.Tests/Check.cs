namespace Solver.Tests;

public static class Check
{
    /// <summary>Element-wise |a-b| <= atol + rtol*|b|, reporting the first offender.</summary>
    public static void Close(float[] expected, float[] actual, float atol = 1e-4f, float rtol = 1e-4f, string what = "")
    {
        Assert.True(expected.Length <= actual.Length, $"{what}: expected {expected.Length} values, got {actual.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (!(MathF.Abs(e - a) <= atol + rtol * MathF.Abs(e)))
                Assert.Fail($"{what}: element {i}: expected {e}, got {a}");
        }
    }

    public static float[] Random(Random rng, int n, float scale = 1f) =>
        Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();

    /// <summary>Values at least 0.02 apart, so a max or a ReLU kink never sits within a finite-difference step.</summary>
    public static float[] Distinct(Random rng, int n)
    {
        var v = Enumerable.Range(0, n).Select(i => (i - n / 2) * 0.02f + 0.01f).ToArray();
        rng.Shuffle(v);
        return v;
    }
}
