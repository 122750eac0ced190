using Solver.Trainer;

namespace Solver.Tests;

public class AugmenterTests
{
    private static byte[] Cross()
    {
        var img = new byte[45 * 45];
        for (int i = 0; i < 45; i++) { img[i * 45 + i] = 255; img[i * 45 + 44 - i] = 255; }
        return img;
    }

    [Fact]
    public void Augmented_symbols_keep_the_dataset_convention_and_are_deterministic()
    {
        var cfg = new AugmentConfig();
        for (int seed = 0; seed < 20; seed++)
        {
            var a = Augmenter.Apply(Cross(), cfg, new Random(seed));
            Assert.Equal(a, Augmenter.Apply(Cross(), cfg, new Random(seed)));
            int ink = a.Count(v => v > 0);
            Assert.InRange(ink, 45, 300); // two 1 px strokes of about 45-64 px, not a blob
            var rows = Enumerable.Range(0, 45).Where(y => Enumerable.Range(0, 45).Any(x => a[y * 45 + x] > 0)).ToList();
            var cols = Enumerable.Range(0, 45).Where(x => Enumerable.Range(0, 45).Any(y => a[y * 45 + x] > 0)).ToList();
            Assert.True(rows[^1] - rows[0] >= 42 || cols[^1] - cols[0] >= 42, "the longer side spans the crop");
        }
        Assert.NotEqual(Augmenter.Apply(Cross(), cfg, new Random(1)), Augmenter.Apply(Cross(), cfg, new Random(2)));
    }
}
