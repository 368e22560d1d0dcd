import { useEffect, type ReactNode } from "react";
import { useT } from "../i18n";

export function Modal(props: { title: ReactNode; onClose: () => void; children: ReactNode }) {
  const t = useT();
  const { onClose } = props;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal" role="dialog" aria-modal onClick={(e) => e.stopPropagation()}>
        <header className="card-head">
          <h2>{props.title}</h2>
          <button className="link" onClick={onClose} aria-label={t("common.close")}>
            ✕
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}
