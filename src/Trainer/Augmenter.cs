namespace Solver.Trainer;

/// <summary>Training-time augmentation (config <c>data.augment</c>).</summary>
public sealed class AugmentConfig
{
    /// <summary>Share of training images that are augmented.</summary>
    public double Probability { get; set; } = 0.7;
    /// <summary>Largest rotation, degrees either way.</summary>
    public double RotateDegrees { get; set; } = 8;
    /// <summary>Largest horizontal shear (slant).</summary>
    public double Shear { get; set; } = 0.25;
    /// <summary>Largest relative change of width or height.</summary>
    public double Scale { get; set; } = 0.15;
    /// <summary>Largest pen radius, in pixels at twice the symbol resolution.</summary>
    public int MaxThickness { get; set; } = 3;
    /// <summary>Largest elastic displacement of the ink, in pixels of the 45 px symbol (0 = none).</summary>
    public double Elastic { get; set; }
    /// <summary>Share of augmented images redrawn from their pen strokes (needs data.ink), the rest from their pixels.</summary>
    public double Ink { get; set; }

    public void Validate(Action<bool, string> require) =>
        require(Probability is >= 0 and <= 1 && RotateDegrees is >= 0 and <= 45 && Shear is >= 0 and <= 1 && Scale is >= 0 and < 0.5 && MaxThickness is >= 0 and <= 8
                && Elastic is >= 0 and <= 6 && Ink is >= 0 and <= 1,
            "data.augment: probability in [0,1], rotate_degrees in [0,45], shear in [0,1], scale in [0,0.5), max_thickness in [0,8], elastic in [0,6], ink in [0,1]");
}

/// <summary>
/// Makes a training symbol look like what the solver will feed the model: the 1 px ink is redrawn at twice the
/// size through a random rotation, shear and scale, thickened by a random pen, then put through the very same
/// skeleton normalisation as photo crops (<see cref="SkeletonImage"/>). Elastic distortion bends the ink with a
/// smooth random field (a coarse grid of displacements, interpolated), so a stroke stays one connected stroke, as
/// another hand would draw it. Deterministic for a given Random.
/// </summary>
public static class Augmenter
{
    private const int Up = 2, Pad = 10, N = SymbolImage.Size * Up + 2 * Pad;

    /// <summary>One random draw of the transform: rotation, shear, scale, pen and bending, from symbol pixels to the canvas.</summary>
    private sealed class Pose
    {
        private readonly double cos, sin, shear, sx, sy;
        private readonly ElasticField? field;
        public int Radius { get; }

        public Pose(AugmentConfig c, Random rng)
            : this((rng.NextDouble() * 2 - 1) * c.RotateDegrees, (rng.NextDouble() * 2 - 1) * c.Shear,
                1 + (rng.NextDouble() * 2 - 1) * c.Scale, 1 + (rng.NextDouble() * 2 - 1) * c.Scale, rng.Next(0, c.MaxThickness + 1))
        {
            field = c.Elastic > 0 ? ElasticField.Random(c.Elastic, rng) : null;
        }

        public Pose(double degrees, double shear, double scaleX, double scaleY, int radius)
        {
            this.shear = shear;
            sx = scaleX;
            sy = scaleY;
            Radius = radius;
            cos = Math.Cos(degrees * Math.PI / 180);
            sin = Math.Sin(degrees * Math.PI / 180);
        }

        /// <summary>A point of the 45x45 symbol to the padded double-size canvas (scaled to fit even after rotation and shear).</summary>
        public (double, double) Map(double x, double y)
        {
            const double mid = (SymbolImage.Size - 1) / 2.0, fit = Up * 0.8;
            var (ex, ey) = field?.At(x, y) ?? (0, 0);
            double u = (x + ex - mid) * sx, v = (y + ey - mid) * sy;
            u += shear * v;
            return (N / 2.0 + fit * (cos * u - sin * v), N / 2.0 + fit * (sin * u + cos * v));
        }
    }

    public static byte[] Apply(ReadOnlySpan<byte> image, AugmentConfig c, Random rng) => Draw(image, new Pose(c, rng));

    /// <summary>
    /// One given pose instead of a random one (rotation in degrees, shear, scale per axis, 1 px pen), through the same
    /// drawing and skeleton normalisation: the variants a recognizer can average over at test time.
    /// </summary>
    public static byte[] Transform(ReadOnlySpan<byte> image, double degrees, double shear, double scaleX, double scaleY) =>
        Draw(image, new Pose(degrees, shear, scaleX, scaleY, 0));

    /// <summary>
    /// The poses a recognizer averages over at test time besides the image itself, within the training augmentation:
    /// (degrees, shear, x scale, y scale). Chosen on composed equations of seed 2 (docs/results.md).
    /// </summary>
    public static readonly (double Degrees, double Shear, double ScaleX, double ScaleY)[] TestTimePoses =
        [(8, 0, 1, 1), (-8, 0, 1, 1), (0, 0, 0.85, 1), (0, 0, 1, 0.85), (0, 0.2, 1, 1), (0, -0.2, 1, 1)];

    /// <summary>The image followed by its <see cref="TestTimePoses"/>.</summary>
    public static IEnumerable<byte[]> TestTimeVariants(byte[] image) =>
        TestTimePoses.Select(v => Transform(image, v.Degrees, v.Shear, v.ScaleX, v.ScaleY)).Prepend(image);

    private static byte[] Draw(ReadOnlySpan<byte> image, Pose pose)
    {
        var line = new bool[N * N];
        for (int y = 0; y < SymbolImage.Size; y++)
        for (int x = 0; x < SymbolImage.Size; x++)
        {
            if (image[y * SymbolImage.Size + x] < 128) continue;
            var a = pose.Map(x, y);
            Mark(line, a, a);
            foreach (var (dx, dy) in new[] { (1, 0), (0, 1), (1, 1), (-1, 1) })
            {
                int nx = x + dx, ny = y + dy;
                if ((uint)nx < SymbolImage.Size && (uint)ny < SymbolImage.Size && image[ny * SymbolImage.Size + nx] >= 128)
                    Mark(line, a, pose.Map(nx, ny));
            }
        }
        return Finish(line, pose.Radius);
    }

    /// <summary>
    /// The same, drawn from the symbol's pen strokes instead of its 1 px rendering: the ink is fitted into the 45 px
    /// box as the dataset was (longer side 45 px, centred), then bent, turned and drawn with the random pen, at twice
    /// the resolution and sub-pixel precision.
    /// </summary>
    public static byte[] ApplyInk(Ink.InkSymbol ink, AugmentConfig c, Random rng)
    {
        var pose = new Pose(c, rng);
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        foreach (var s in ink.Strokes)
            for (int i = 0; i + 1 < s.Length; i += 2)
            {
                minX = Math.Min(minX, s[i]); maxX = Math.Max(maxX, s[i]);
                minY = Math.Min(minY, s[i + 1]); maxY = Math.Max(maxY, s[i + 1]);
            }
        double span = Math.Max(Math.Max(maxX - minX, maxY - minY), 1e-6), scale = (SymbolImage.Size - 1) / span;
        double offX = (SymbolImage.Size - 1 - (maxX - minX) * scale) / 2, offY = (SymbolImage.Size - 1 - (maxY - minY) * scale) / 2;
        var line = new bool[N * N];
        foreach (var s in ink.Strokes)
        {
            var previous = pose.Map(offX + (s[0] - minX) * scale, offY + (s[1] - minY) * scale);
            Mark(line, previous, previous);
            for (int i = 2; i + 1 < s.Length; i += 2)
            {
                var next = pose.Map(offX + (s[i] - minX) * scale, offY + (s[i + 1] - minY) * scale);
                Mark(line, previous, next);
                previous = next;
            }
        }
        return Finish(line, pose.Radius);
    }

    private static byte[] Finish(bool[] line, int radius) => SkeletonImage.FromMask(radius == 0 ? line : Dilate(line, radius), N, N);

    private static void Mark(bool[] g, (double X, double Y) a, (double X, double Y) b)
    {
        int steps = (int)Math.Ceiling(Math.Max(Math.Abs(b.X - a.X), Math.Abs(b.Y - a.Y))) + 1;
        for (int i = 0; i <= steps; i++)
        {
            double t = (double)i / steps;
            int x = (int)Math.Round(a.X + t * (b.X - a.X)), y = (int)Math.Round(a.Y + t * (b.Y - a.Y));
            if (x >= 1 && y >= 1 && x < N - 1 && y < N - 1) g[y * N + x] = true;
        }
    }

    private static bool[] Dilate(bool[] g, int r)
    {
        var o = new bool[g.Length];
        for (int y = 1; y < N - 1; y++)
        for (int x = 1; x < N - 1; x++)
        {
            if (!g[y * N + x]) continue;
            for (int dy = -r; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++)
            {
                int yy = y + dy, xx = x + dx;
                if (dx * dx + dy * dy <= r * r && yy >= 1 && xx >= 1 && yy < N - 1 && xx < N - 1) o[yy * N + xx] = true;
            }
        }
        return o;
    }
}

/// <summary>A smooth displacement field over the 45x45 symbol: random offsets on a coarse grid, bilinearly interpolated.</summary>
public sealed class ElasticField
{
    private const int Cells = 4; // a 5x5 grid of knots: bends of about a quarter of the symbol
    private readonly double[] _dx = new double[(Cells + 1) * (Cells + 1)], _dy = new double[(Cells + 1) * (Cells + 1)];

    public static ElasticField Random(double amplitude, Random rng)
    {
        var f = new ElasticField();
        for (int i = 0; i < f._dx.Length; i++)
        {
            f._dx[i] = (rng.NextDouble() * 2 - 1) * amplitude;
            f._dy[i] = (rng.NextDouble() * 2 - 1) * amplitude;
        }
        return f;
    }

    public (double X, double Y) At(double x, double y)
    {
        double gx = Math.Clamp(x / (SymbolImage.Size - 1) * Cells, 0, Cells), gy = Math.Clamp(y / (SymbolImage.Size - 1) * Cells, 0, Cells);
        int x0 = Math.Min((int)gx, Cells - 1), y0 = Math.Min((int)gy, Cells - 1);
        double tx = gx - x0, ty = gy - y0;
        double Lerp(double[] d) =>
            (1 - ty) * ((1 - tx) * d[y0 * (Cells + 1) + x0] + tx * d[y0 * (Cells + 1) + x0 + 1]) +
            ty * ((1 - tx) * d[(y0 + 1) * (Cells + 1) + x0] + tx * d[(y0 + 1) * (Cells + 1) + x0 + 1]);
        return (Lerp(_dx), Lerp(_dy));
    }
}
