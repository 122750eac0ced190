namespace Solver.Inference.Imaging;

/// <summary>An axis-aligned box in image pixels, right and bottom exclusive.</summary>
public readonly record struct Box(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public double CenterX => X + Width / 2.0;
    public double CenterY => Y + Height / 2.0;

    public Box Union(Box o)
    {
        int x = Math.Min(X, o.X), y = Math.Min(Y, o.Y);
        return new Box(x, y, Math.Max(Right, o.Right) - x, Math.Max(Bottom, o.Bottom) - y);
    }

    public int HorizontalOverlap(Box o) => Math.Max(0, Math.Min(Right, o.Right) - Math.Max(X, o.X));

    public int VerticalOverlap(Box o) => Math.Max(0, Math.Min(Bottom, o.Bottom) - Math.Max(Y, o.Y));
}

/// <summary>A set of ink pixels (flat indices into the mask) and their bounding box.</summary>
public sealed class Component(Box box, List<int> pixels)
{
    public Box Box { get; private set; } = box;
    public List<int> Pixels { get; } = pixels;

    public void Absorb(Component other)
    {
        Box = Box.Union(other.Box);
        Pixels.AddRange(other.Pixels);
    }
}

public static class ConnectedComponents
{
    /// <summary>8-connected components of the ink, by an iterative flood fill (no recursion, any image size).</summary>
    public static List<Component> Find(InkMask m)
    {
        var label = new int[m.Ink.Length];
        var result = new List<Component>();
        var stack = new Stack<int>();
        for (int start = 0; start < m.Ink.Length; start++)
        {
            if (!m.Ink[start] || label[start] != 0) continue;
            var pixels = new List<int>();
            int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
            label[start] = result.Count + 1;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                pixels.Add(p);
                int px = p % m.Width, py = p / m.Width;
                if (px < x0) x0 = px; if (px > x1) x1 = px;
                if (py < y0) y0 = py; if (py > y1) y1 = py;
                for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                {
                    int nx = px + dx, ny = py + dy;
                    if ((uint)nx >= (uint)m.Width || (uint)ny >= (uint)m.Height) continue;
                    int q = ny * m.Width + nx;
                    if (!m.Ink[q] || label[q] != 0) continue;
                    label[q] = result.Count + 1;
                    stack.Push(q);
                }
            }
            result.Add(new Component(new Box(x0, y0, x1 - x0 + 1, y1 - y0 + 1), pixels));
        }
        return result;
    }
}
