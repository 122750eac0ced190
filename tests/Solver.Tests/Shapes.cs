namespace Solver.Tests;

/// <summary>Small generated images for tests: bars, crosses and circles, bright strokes on a dark background.</summary>
public static class Shapes
{
    public const int Size = 16;

    /// <summary>Class 0: a bar (horizontal or vertical), 1: a cross, 2: a circle; random position, size and thickness.</summary>
    public static (float[] Images, int[] Labels) Make(int count, int seed)
    {
        var rng = new Random(seed);
        var images = new float[count * Size * Size];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 3;
            labels[i] = label;
            var img = images.AsSpan(i * Size * Size, Size * Size);
            int cx = 6 + rng.Next(5), cy = 6 + rng.Next(5), r = 3 + rng.Next(3);
            float thick = 0.6f + (float)rng.NextDouble() * 0.8f;
            for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
            {
                float dx = x - cx, dy = y - cy;
                bool on = label switch
                {
                    0 => (i / 3) % 2 == 0 ? MathF.Abs(dy) <= thick && MathF.Abs(dx) <= r : MathF.Abs(dx) <= thick && MathF.Abs(dy) <= r,
                    1 => (MathF.Abs(dy) <= thick && MathF.Abs(dx) <= r) || (MathF.Abs(dx) <= thick && MathF.Abs(dy) <= r),
                    _ => MathF.Abs(MathF.Sqrt(dx * dx + dy * dy) - r) <= thick,
                };
                img[y * Size + x] = on ? 1f : 0f;
            }
        }
        return (images, labels);
    }
}
