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

    [Fact]
    public void A_given_pose_is_applied_exactly_and_turns_a_stroke()
    {
        // A vertical bar: the identity pose redraws it vertical; 8 degrees tilts it by about tan(8°) * 44 = 6 px.
        var bar = new byte[45 * 45];
        for (int y = 0; y < 45; y++) bar[y * 45 + 22] = 255;
        static (int Top, int Bottom) Columns(byte[] img)
        {
            int top = Enumerable.Range(0, 45).First(x => img[x] > 0 || img[45 + x] > 0);
            int bottom = Enumerable.Range(0, 45).First(x => img[44 * 45 + x] > 0 || img[43 * 45 + x] > 0);
            return (top, bottom);
        }
        var same = Augmenter.Transform(bar, 0, 0, 1, 1);
        Assert.Equal(same, Augmenter.Transform(bar, 0, 0, 1, 1));
        var (t0, b0) = Columns(same);
        Assert.InRange(Math.Abs(t0 - b0), 0, 1);
        var (t1, b1) = Columns(Augmenter.Transform(bar, 8, 0, 1, 1));
        Assert.InRange(Math.Abs(t1 - b1), 4, 9);
        Assert.True(t1 > b1, "a positive angle turns the top to the right (y grows downwards)");
    }

    [Fact]
    public void Elastic_distortion_bends_strokes_without_breaking_them()
    {
        var plain = new AugmentConfig { Probability = 1, RotateDegrees = 0, Shear = 0, Scale = 0, MaxThickness = 0 };
        var bent = new AugmentConfig { Probability = 1, RotateDegrees = 0, Shear = 0, Scale = 0, MaxThickness = 0, Elastic = 3 };
        var straight = Augmenter.Apply(Cross(), plain, new Random(5));
        int changed = 0;
        for (int seed = 0; seed < 10; seed++)
        {
            var a = Augmenter.Apply(Cross(), bent, new Random(seed));
            Assert.Equal(a, Augmenter.Apply(Cross(), bent, new Random(seed)));
            if (!a.SequenceEqual(straight)) changed++;
            // A cross is one connected stroke pair; smooth bending keeps it one 8-connected component.
            Assert.Equal(1, Components(a));
        }
        Assert.True(changed >= 8, $"elastic changed only {changed} of 10 crosses");
    }

    [Fact]
    public void Elastic_field_is_smooth_and_bounded()
    {
        var f = ElasticField.Random(2.5, new Random(3));
        for (double y = 0; y <= 44; y += 0.5)
        for (double x = 0; x <= 44; x += 0.5)
        {
            var (dx, dy) = f.At(x, y);
            Assert.InRange(dx, -2.5, 2.5);
            Assert.InRange(dy, -2.5, 2.5);
            var (nx, ny) = f.At(x + 0.5, y);
            Assert.True(Math.Abs(nx - dx) < 0.5 && Math.Abs(ny - dy) < 0.5, "neighbouring points move together");
        }
    }

    private static int Components(byte[] img)
    {
        var seen = new bool[img.Length];
        int count = 0;
        for (int start = 0; start < img.Length; start++)
        {
            if (img[start] == 0 || seen[start]) continue;
            count++;
            var stack = new Stack<int>([start]);
            seen[start] = true;
            while (stack.Count > 0)
            {
                int p = stack.Pop(), px = p % 45, py = p / 45;
                for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                {
                    int x = px + dx, y = py + dy;
                    if ((uint)x < 45 && (uint)y < 45 && img[y * 45 + x] > 0 && !seen[y * 45 + x]) { seen[y * 45 + x] = true; stack.Push(y * 45 + x); }
                }
            }
        }
        return count;
    }
}
