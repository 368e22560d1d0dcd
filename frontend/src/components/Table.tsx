// Tables of rows, described by their columns; ListTable adds what every list page shows
// around its table: the error, "loading", and what to say when nothing is there.
import type { ReactNode } from "react";
import { Empty, ErrorBox, Loading } from "./ui";

export interface Column<T> {
  head: ReactNode;
  cell: (row: T) => ReactNode;
  /** The class of the column's cells ("small", "mono", "num"). */
  className?: string;
  /** The class of its header cell. */
  headClassName?: string;
  /** React's key for the column; its position when not given. */
  key?: string;
}

/** What a row carries besides its cells: a class, and data attributes the tests find it by. */
export type RowProps = { className?: string } & { [data: `data-${string}`]: string | undefined };

export interface TableProps<T> {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  rowProps?: (row: T) => RowProps;
  testId?: string;
  compact?: boolean;
}

export function Table<T>({ rows, columns, rowKey, rowProps, testId, compact }: TableProps<T>) {
  return (
    <table className={compact ? "table compact" : "table"} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={c.key ?? i} className={c.headClassName}>
              {c.head}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)} {...rowProps?.(row)}>
            {columns.map((c, i) => (
              <td key={c.key ?? i} className={c.className}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface ListTableProps<T> extends Omit<TableProps<T>, "rows"> {
  /** undefined while loading. */
  rows: T[] | undefined;
  error: unknown;
  /** Shown when the list is empty; `<Empty />` unless given (null: nothing). */
  empty?: ReactNode;
}

/** A list as the list pages show it: its error, "loading", the empty note or the table. */
export function ListTable<T>({ rows, error, empty, ...table }: ListTableProps<T>) {
  return (
    <>
      <ErrorBox error={error} />
      <Loading what={rows ?? (error ? null : undefined)} />
      {rows?.length === 0 && (empty === undefined ? <Empty /> : empty)}
      {!!rows?.length && <Table rows={rows} {...table} />}
    </>
  );
}
