// The GPU count, limited to the kernel's supported_gpu_count (fixed at 1 where it sets none).
import type { Kernel } from "../../api/types";
import { FieldMessage } from "../../components/ui";
import { useT, type Translate } from "../../i18n";
import type { FieldError } from "../../api/client";

export function gpuProblem(kernel: Kernel | null, value: string, t: Translate): string | null {
  if (!kernel) return null;
  const { minimum: min, maximum: max } = kernel.supported_gpu_count;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n)) return t("train.gpuNotInteger");
  if (n < min || n > max) return t("train.gpuOutOfRange", { value: n, min, max });
  return null;
}

export function GpuField(props: { kernel: Kernel | null; value: string; onChange: (v: string) => void; serverErrors: FieldError[] }) {
  const t = useT();
  const range = props.kernel?.supported_gpu_count;
  const fixed = !!range && range.minimum === range.maximum;
  const problem = gpuProblem(props.kernel, props.value, t);
  return (
    <label className="field">
      <span>{t("train.gpuCount")}</span>
      <input
        type="number"
        className="narrow"
        min={range?.minimum}
        max={range?.maximum}
        step={1}
        value={props.value}
        disabled={fixed || !props.kernel}
        onChange={(e) => props.onChange(e.target.value)}
        data-testid="gpu-count"
        aria-invalid={!!problem}
      />
      {range && (
        <FieldMessage kind="help">
          {fixed ? t("train.gpuFixed", { value: range.minimum }) : t("train.gpuRange", { min: range.minimum, max: range.maximum })}
        </FieldMessage>
      )}
      <FieldMessage testId="gpu-error">{problem}</FieldMessage>
      {props.serverErrors.map((e, i) => (
        <FieldMessage key={i}>
          {e.problem} {e.allowed && `(${t("common.allowed", { allowed: e.allowed })})`}
        </FieldMessage>
      ))}
    </label>
  );
}
