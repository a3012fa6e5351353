import "./styles.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createParleyApp } from "./app/create-app.js";
import { App } from "./components/app.js";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App app={createParleyApp()} />
  </StrictMode>,
);
