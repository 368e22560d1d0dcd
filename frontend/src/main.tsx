import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { captureToken } from "./api/client";
import { App } from "./App";
import { I18nProvider } from "./i18n";
import "./styles.css";

captureToken();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>,
);
