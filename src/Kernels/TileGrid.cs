namespace Solver.Kernels;

/// <summary>One thread's share of a <see cref="TileGrid"/>: rows [Row0, Row1) and columns [Col0, Col1) of plane <see cref="Plane"/>.</summary>
public struct Tile
{
    public int Plane;
    public int Row0;
    public int Row1;
    public int Col0;
    public int Col1;
}

/// <summary>
/// A stack of <c>Planes</c> matrices of <c>Rows x Cols</c>, cut into tiles of <c>TileRows x TileCols</c>;
/// thread t owns tiles t, t + <see cref="ThreadCount"/>, ... A whole-plane tile on a few threads per core is the
/// coarse CPU shape, a 1x1 tile per thread the GPU shape.
/// </summary>
public struct TileGrid
{
    public int Planes;
    public int Rows;
    public int Cols;
    public int TileRows;
    public int TileCols;
    public int TilesDown;
    public int TilesAcross;

    public int Threads;

    /// <summary>
    /// Tiles of <paramref name="tileRows"/> x <paramref name="tileCols"/>, one thread per tile unless
    /// <paramref name="threads"/> caps the threads launched: each thread then strides over the tiles
    /// (t, t + threads, ...), as every kernel that takes a grid does.
    /// </summary>
    public static TileGrid Create(int planes, int rows, int cols, int tileRows, int tileCols, int threads = int.MaxValue)
    {
        tileRows = Math.Clamp(tileRows, 1, Math.Max(rows, 1));
        tileCols = Math.Clamp(tileCols, 1, Math.Max(cols, 1));
        var grid = new TileGrid
        {
            Planes = planes,
            Rows = rows,
            Cols = cols,
            TileRows = tileRows,
            TileCols = tileCols,
            TilesDown = (rows + tileRows - 1) / tileRows,
            TilesAcross = (cols + tileCols - 1) / tileCols,
        };
        grid.Threads = Math.Max(1, Math.Min(grid.Tiles, threads));
        return grid;
    }

    /// <summary>
    /// Whole planes for <see cref="WorkShape.Coarse"/>, on at most <see cref="CoarseThreadsPerProcessor"/> threads per
    /// processor; single elements, one thread each, for <see cref="WorkShape.Fine"/>.
    /// </summary>
    public static TileGrid For(WorkShape shape, int planes, int rows, int cols, int processors) =>
        shape == WorkShape.Coarse
            ? Create(planes, rows, cols, rows, cols, CoarseThreadsPerProcessor * Math.Max(1, processors))
            : Create(planes, rows, cols, 1, 1);

    /// <summary>
    /// ILGPU's CPU accelerator pays about 2.5 µs for every simulated thread it runs (a launch of 1,024 threads that
    /// each write 1,024 floats took 4.0 ms, of 64 threads that each write 16,384 1.5 ms; docs/performance.md), so a
    /// coarse grid launches a few threads per core and lets each take many tiles. Eight keep the cores evenly loaded.
    /// Settable only for the benchmark's side-by-side (<c>Solver.Bench --only coarse-threads</c>).
    /// </summary>
    public static int CoarseThreadsPerProcessor { get; set; } = 8;

    /// <summary>Tiles in all: what the threads share.</summary>
    public int Tiles => Planes * TilesDown * TilesAcross;

    /// <summary>Threads to launch.</summary>
    public int ThreadCount => Tiles == 0 ? 0 : Threads;

    public Tile At(int thread)
    {
        int perPlane = TilesDown * TilesAcross;
        int plane = thread / perPlane;
        int rest = thread - plane * perPlane;
        int down = rest / TilesAcross;
        int across = rest - down * TilesAcross;
        var tile = new Tile { Plane = plane, Row0 = down * TileRows, Col0 = across * TileCols };
        tile.Row1 = tile.Row0 + TileRows < Rows ? tile.Row0 + TileRows : Rows;
        tile.Col1 = tile.Col0 + TileCols < Cols ? tile.Col0 + TileCols : Cols;
        return tile;
    }
}

/// <summary>A flat range of <c>Length</c> elements cut into chunks of <c>Chunk</c>; thread t owns chunk t.</summary>
public struct ChunkGrid
{
    public int Length;
    public int Chunk;

    public static ChunkGrid For(WorkShape shape, int length, int processors)
    {
        int chunk = 1;
        if (shape == WorkShape.Coarse)
        {
            // A few chunks per core keeps both cores busy without paying per-element thread overhead.
            int target = Math.Max(1, processors * 4);
            chunk = Math.Max(1024, (length + target - 1) / target);
        }
        return new ChunkGrid { Length = length, Chunk = Math.Max(1, chunk) };
    }

    /// <summary>
    /// For small loops whose items are already substantial (GEMM columns, softmax rows): two chunks per core when
    /// coarse, one item per thread when fine.
    /// </summary>
    public static ChunkGrid TwoPerCore(WorkShape shape, int length, int processors) =>
        shape == WorkShape.Coarse
            ? new ChunkGrid { Length = length, Chunk = Math.Max(1, (length + 2 * processors - 1) / (2 * processors)) }
            : new ChunkGrid { Length = length, Chunk = 1 };

    public int ThreadCount => Length == 0 ? 0 : (Length + Chunk - 1) / Chunk;

    public int Start(int thread) => thread * Chunk;

    public int End(int thread) => thread * Chunk + Chunk < Length ? thread * Chunk + Chunk : Length;
}
